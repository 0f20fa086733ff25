#!/usr/bin/env bash
# Validates the deployment files without a Docker engine or an AWS account:
#   1. docker-compose.yml with `docker-compose config -q` (Debian's docker-compose package),
#   2. the CloudFormation template with the npm cfn-lint validator, per parameter scenario,
#   3. the IAM policy (JSON, no wildcard action, only the expected actions),
#   4. the Dockerfile (ENTRYPOINT/CMD/HEALTHCHECK files exist in the built package; COPY sources).
# Needs `npm ci` and `npm run build` first. Installs docker-compose with apt when it is missing
# and we are root; when it cannot, it skips that check outside CI and fails under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

failed=0
step() { printf '\n== %s\n' "$1"; }
elapsed() { printf '(%ss)\n' "$(( $(date +%s) - $1 ))"; }

step "docker-compose config"
t0=$(date +%s)
if ! command -v docker-compose >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "docker-compose not found; installing Debian's docker-compose package"
  # Quiet on success, loud on failure.
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose; } >/tmp/validate-deploy-apt.log 2>&1; then
    tail -20 /tmp/validate-deploy-apt.log
  fi
fi
if command -v docker-compose >/dev/null 2>&1; then
  docker-compose version --short 2>/dev/null || true
  if docker-compose -f docker-compose.yml config -q; then
    echo "ok   docker-compose.yml"
  else
    echo "FAIL docker-compose.yml"
    failed=1
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "FAIL docker-compose is not installed and could not be installed; CI must validate the compose file"
  failed=1
else
  echo "SKIP docker-compose is not installed (run as root to install it, or: apt-get install docker-compose)"
fi
elapsed "$t0"

step "CloudFormation template (npm cfn-lint)"
t0=$(date +%s)
npx --no-install tsx deploy/cloudformation/validate-template.ts || failed=1
elapsed "$t0"

step "IAM policy and Dockerfile"
t0=$(date +%s)
npx --no-install tsx deploy/checks.ts || failed=1
elapsed "$t0"

if [ "$failed" -ne 0 ]; then
  printf '\nvalidate-deploy: FAILED\n'
  exit 1
fi
printf '\nvalidate-deploy: all checks passed\n'
