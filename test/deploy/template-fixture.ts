// Shared by the deployment tests: the template, parsed and resolved for a scenario.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTemplate, resolveConditions, type Template } from '../../deploy/cloudformation/template.js';
import { PSEUDO, SCENARIOS } from '../../deploy/cloudformation/validate-template.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const templatePath = `${repoRoot}deploy/cloudformation/s3-sentinel.yaml`;
export const template: Template = parseTemplate(readFileSync(templatePath, 'utf8'));

export const ALL_ON = 'new bucket, DynamoDB dedup, KMS, SNS, Slack and PagerDuty, alarm topic';
export const DEFAULTS = 'defaults: existing bucket, memory dedup, no sinks but stdout';

export function scenario(name: string): Template {
  const parameters = SCENARIOS[name];
  if (!parameters) throw new Error(`no scenario ${name}`);
  return resolveConditions(template, parameters, PSEUDO);
}

export function resource(resolved: Template, name: string) {
  const found = resolved.Resources[name];
  if (!found) throw new Error(`template has no resource ${name}`);
  return found;
}
