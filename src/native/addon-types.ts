// The shape of what native/addon.cc exports; each native part adds its own interface here.

export interface NativeBuildInfo {
  compiler: string;
  napiVersion: number;
  cppStandard: number;
}

export interface NativeAddon {
  buildInfo: NativeBuildInfo;
}
