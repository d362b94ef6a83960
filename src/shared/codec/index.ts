/** NaviLink (Navien NWP500) protocol codec: pure encoders/decoders, no I/O. */
export * from './units';
export * from './enums';
export * from './errors';
export * from './status';
export * from './summary';
export * from './feature';
export * from './schedule';
export * from './energy';
export * from './tou';
export * from './commands';
export * from './routing';
export * from './replies';
export * from './plausible';
export * from './cloud-json';
export * from './audit';
