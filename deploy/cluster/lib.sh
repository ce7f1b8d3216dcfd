# Shared by deploy/cluster/up, down, node and server.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=${PROTOFORGE_CLUSTER_DIR:-/var/tmp/protoforge-cluster}
LB_PORT=18080
PAGE_TOKEN_KEY=${PAGE_TOKEN_KEY:-protoforge-cluster-page-token-key}

log() { echo "cluster: $*" >&2; }

node_port() { echo $((13300 + $1)); }
server_port() { echo $((18080 + $1)); }

write_node_config() {
  local i=$1 base=$((14560 + 10 * $1))
  cat >"$DIR/node$i.cnf" <<CNF
[mysqld]
user=mysql
datadir=$DIR/node$i
socket=$DIR/node$i.sock
pid-file=$DIR/node$i.pid
log-error=$DIR/node$i.err
port=$(node_port "$i")
bind-address=127.0.0.1
skip-name-resolve
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_buffer_pool_size=64M
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_name=protoforge
wsrep_cluster_address=gcomm://127.0.0.1:14570,127.0.0.1:14580,127.0.0.1:14590
wsrep_node_name=node$i
wsrep_node_address=127.0.0.1:$base
wsrep_provider_options="base_port=$base;ist.recv_addr=127.0.0.1:$((base + 1))"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((base + 4))
# Reads (1), updates and deletes (2) and inserts (4) wait until the node has
# applied what the cluster committed before them: a book created through one
# server is found through the next, and a book created under an author
# created through another server finds the author (its foreign key).
wsrep_sync_wait=7
CNF
}

start_node() {
  local i=$1
  shift
  mariadbd --defaults-file="$DIR/node$i.cnf" "$@" >>"$DIR/node$i.out" 2>&1 &
}

sql() {
  mariadb --no-defaults -S "$DIR/node$1.sock" -uroot -N -B -e "$2"
}

wait_synced() {
  local i=$1 state=""
  for _ in $(seq 1 600); do
    state=$(sql "$i" "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2 || true)
    [ "$state" = Synced ] && return 0
    sleep 0.1
  done
  log "node $i is not synced ($state); its log:"
  tail -20 "$DIR/node$i.err" >&2 || true
  return 1
}

stop_node() {
  local i=$1 how=${2:-clean}
  [ -f "$DIR/node$i.pid" ] || return 0
  local pid
  pid=$(cat "$DIR/node$i.pid" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  if [ "$how" = kill ]; then
    kill -9 "$pid" 2>/dev/null || true
  else
    kill "$pid" 2>/dev/null || true
  fi
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$DIR/node$i.pid"
}

start_server() {
  local i=$1
  DATABASE_URL="mysql://protoforge:protoforge@127.0.0.1:$(node_port "$i")/library" PAGE_TOKEN_KEY=$PAGE_TOKEN_KEY \
    "$DIR/server" --addr "127.0.0.1:$(server_port "$i")" --debug-addr "127.0.0.1:$((19080 + i))" >>"$DIR/server$i.out" 2>>"$DIR/server$i.log" &
  echo $! >"$DIR/server$i.pid"
}

stop_server() {
  local i=$1 how=${2:-clean}
  [ -f "$DIR/server$i.pid" ] || return 0
  local pid
  pid=$(cat "$DIR/server$i.pid")
  if [ "$how" = kill ]; then kill -9 "$pid" 2>/dev/null || true; else kill "$pid" 2>/dev/null || true; fi
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$DIR/server$i.pid"
}

wait_ready() {
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$(server_port "$1")/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "server $1 is not ready; its log:"
  tail -20 "$DIR/server$1.log" >&2 || true
  return 1
}

ready_all() {
  for i in 1 2 3; do
    curl -fsS "http://127.0.0.1:$(server_port "$i")/readyz" >/dev/null 2>&1 || return 1
  done
}

write_haproxy_config() {
  cat >"$DIR/haproxy.cfg" <<CFG
global
  log stderr format short local0 warning
  maxconn 2048

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  option redispatch
  # Without it, HAProxy holds small HTTP/2 frames back (~200 ms a call).
  option http-no-delay
  retries 2

# HTTP/1.1 and h2c (prior knowledge) on one port; every server speaks h2c,
# which gRPC needs (trailers).
frontend api
  bind 127.0.0.1:$LB_PORT
  default_backend servers

backend servers
  balance roundrobin
  option httpchk
  http-check send meth GET uri /readyz
  default-server proto h2 check inter 500ms fall 2 rise 2
  server s1 127.0.0.1:$(server_port 1)
  server s2 127.0.0.1:$(server_port 2)
  server s3 127.0.0.1:$(server_port 3)
CFG
}
