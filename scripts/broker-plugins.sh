#!/usr/bin/env bash
# The local RabbitMQ's management plugin: the speaker provisioner and the operator page
# read and write users, permissions and queue depths through its HTTP API. Enabling a
# plugin on a running node does not restart it. Only acts on a node this machine runs.
set -euo pipefail
if ! command -v rabbitmq-plugins >/dev/null; then
  echo "broker-plugins: no rabbitmq-plugins here; enable rabbitmq_management on your broker" >&2
  exit 0
fi
if rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_management; then
  exit 0
fi
echo "broker-plugins: enabling rabbitmq_management on the local node"
rabbitmq-plugins enable --online rabbitmq_management >/dev/null
for _ in $(seq 1 30); do
  curl -fsS -o /dev/null -u guest:guest http://127.0.0.1:15672/api/overview && exit 0
  sleep 1
done
echo "broker-plugins: the management API did not answer on 15672" >&2
exit 1
