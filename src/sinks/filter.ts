import { severityRank, type Alert } from '../alert/alert.js';
import type { SinkBaseConfig } from './common-config.js';

/**
 * Builds a sink's `accepts` from its routing options. A code rule's `destinations()` (carried as
 * `alert.destinations`) narrows the choice further: when present, only the sinks it names get the
 * alert, and still only if their own filters agree.
 */
export function createAlertFilter(name: string, config: SinkBaseConfig): (alert: Alert) => boolean {
  const minRank = config.minSeverity ? severityRank(config.minSeverity) : 0;
  const ruleIds = config.ruleIds ? new Set(config.ruleIds) : undefined;
  const excluded = new Set(config.excludeRuleIds ?? []);
  const tags = config.tags ? new Set(config.tags) : undefined;
  return (alert) =>
    severityRank(alert.severity) >= minRank &&
    (ruleIds === undefined || ruleIds.has(alert.ruleId)) &&
    !excluded.has(alert.ruleId) &&
    (tags === undefined || alert.tags.some((tag) => tags.has(tag))) &&
    (alert.destinations === undefined || alert.destinations.includes(name));
}
