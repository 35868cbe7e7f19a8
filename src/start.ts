// `npm start`: plain `fulcrum` when backends are configured; otherwise a demo with two loopback origins.

import { startDemoOrigins } from './demo-origins.js';
import { main, reportFatal } from './main.js';

const argv = process.argv.slice(2);
const ACTIONS = ['--help', '-h', '--version', '-v', '--check-config'];
const configured =
  argv.some((argument) => ACTIONS.includes(argument)) ||
  Boolean(process.env.FULCRUM_BACKENDS || process.env.FULCRUM_CONFIG) ||
  argv.some((argument) => argument.startsWith('--backends') || argument.startsWith('--config'));

async function runDemo(): Promise<void> {
  const origins = await startDemoOrigins();
  process.env.FULCRUM_BACKENDS = origins.addresses.join(',');
  await main(argv);
  const listen = process.env.FULCRUM_LISTEN ?? '127.0.0.1:8080';
  console.log(
    [
      '',
      `Fulcrum demo: started two origins on ${origins.addresses.join(' and ')}`,
      `and Fulcrum (round robin, http) in front of them on ${listen}.`,
      `Try:  curl http://${listen}/    (run it twice: the origin alternates)`,
      'Stop with Ctrl-C. Set FULCRUM_BACKENDS=host:port,... to proxy your own servers.',
      '',
    ].join('\n'),
  );
}

(configured ? main(argv) : runDemo()).catch(reportFatal);
