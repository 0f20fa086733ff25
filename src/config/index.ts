export { loadConfig, loadRulesConfig, parseConfig, validateConfig, type LoadOptions } from './load.js';
export { ConfigError, formatIssue, type ConfigIssue } from './errors.js';
export { maskConfig, maskUrl } from './mask.js';
export type {
  Config,
  SqsConfig,
  S3Config,
  RulesConfig,
  DedupConfig,
  ServerConfig,
  LogConfig,
  ShutdownConfig,
} from './schema.js';
export type { SinkConfig } from '../sinks/config.js';
