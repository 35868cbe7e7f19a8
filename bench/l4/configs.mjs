// Config files for the L4 bench's origin and anchor proxies (HAProxy mode tcp, NGINX stream), one thread each.

/** An nginx HTTP origin: a tiny 200 for the connection-rate test; holds idle connections for the memory test. */
export function nginxOriginConfig(directory, port) {
  return `daemon off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid ${directory}/origin.pid;
error_log ${directory}/origin-error.log warn;
events { worker_connections 60000; }
http {
  access_log off;
  client_body_temp_path ${directory}/body; proxy_temp_path ${directory}/proxy;
  fastcgi_temp_path ${directory}/fastcgi; uwsgi_temp_path ${directory}/uwsgi; scgi_temp_path ${directory}/scgi;
  client_header_timeout 300s;
  keepalive_timeout 300s;
  server { listen 127.0.0.1:${port} backlog=4096; location / { return 200 "ok\\n"; } }
}
`;
}

/** HAProxy mode tcp: one frontend per mapping [listenPort, backendPort]. */
export function haproxyConfig(threads, maxConnections, mappings) {
  const sections = mappings
    .map(
      ([listenPort, backendPort], index) => `
listen l4_${index}
  bind 127.0.0.1:${listenPort}
  server origin 127.0.0.1:${backendPort}`,
    )
    .join('\n');
  return `global
  nbthread ${threads}
  maxconn ${maxConnections}
defaults
  mode tcp
  timeout connect 5s
  timeout client 600s
  timeout server 600s
${sections}
`;
}

/** NGINX stream: one server per mapping [listenPort, backendPort]. */
export function nginxStreamConfig(directory, workers, mappings) {
  const servers = mappings
    .map(([listenPort, backendPort]) => `  server { listen 127.0.0.1:${listenPort} backlog=4096; proxy_pass 127.0.0.1:${backendPort}; }`)
    .join('\n');
  return `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off;
worker_processes ${workers};
worker_rlimit_nofile 65536;
pid ${directory}/stream.pid;
error_log ${directory}/stream-error.log warn;
events { worker_connections 60000; }
stream {
  proxy_timeout 600s;
${servers}
}
`;
}
