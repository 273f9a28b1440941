#!/usr/bin/env bash
# Start a local single-node Apache Kafka broker (KRaft, no ZooKeeper, no Docker)
# and make sure the project's topics exist. Idempotent: a second run finds the
# running broker and only re-checks the topics. See scripts/kafka/README.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
KAFKA_HOST="${KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
# The port clients are told to connect to: the listener's own, unless something (the fault suite's
# TCP proxy) stands in front of it.
KAFKA_ADVERTISED_PORT="${KAFKA_ADVERTISED_PORT:-$KAFKA_PORT}"
KAFKA_CACHE_DIR="${KAFKA_CACHE_DIR:-$REPO_ROOT/.cache/kafka}"
KAFKA_RUN_DIR="${KAFKA_RUN_DIR:-$REPO_ROOT/.run/kafka}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
KAFKA_SKIP_TOPICS="${KAFKA_SKIP_TOPICS:-0}"

log() { printf '[kafka] %s\n' "$*" >&2; }
die() { printf '[kafka] ERROR: %s\n' "$*" >&2; exit 1; }

command -v java >/dev/null 2>&1 || die "java not found (OpenJDK 17+ is required)"

mkdir -p "$KAFKA_RUN_DIR" "$KAFKA_CACHE_DIR"
RUN_DIR="$(cd "$KAFKA_RUN_DIR" && pwd)"
CACHE_DIR="$(cd "$KAFKA_CACHE_DIR" && pwd)"
LIBS_DIR="$CACHE_DIR/$KAFKA_VERSION/libs"
DATA_DIR="$RUN_DIR/data"
CONFIG="$RUN_DIR/server.properties"
PID_FILE="$RUN_DIR/kafka.pid"
BROKER_LOG="$RUN_DIR/broker.log"
BROKER_OUT="$RUN_DIR/broker.out"   # JVM stdout/stderr (normally almost empty)
CLUSTER_ID_FILE="$RUN_DIR/cluster.id"

# One start.sh at a time per run dir. fd 9 is closed for every child below so
# that the broker does not inherit (and keep) the lock.
exec 9>"$RUN_DIR/start.lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 180 9 || die "another start.sh holds $RUN_DIR/start.lock"
fi

port_open() { # host port -> 0 if something accepts TCP connections there
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 9>&- 2>/dev/null
}

alive() { # pid -> 0 if the process exists and is not a zombie
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ "$state" != "Z" ]]
}

# 0 if $1 is a live process running kafka.Kafka with our server.properties.
is_our_broker() {
  local pid="$1" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *" kafka.Kafka $CONFIG"* ]]
}

who_listens() { # port -> description of the listening process, if visible
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$1" 2>/dev/null | tr -s ' ' | head -n 3 || true
  fi
}

show_logs() {
  if [[ -s "$BROKER_OUT" ]]; then
    log "---- last lines of $BROKER_OUT ----"
    tail -n 20 "$BROKER_OUT" >&2 || true
  fi
  if [[ -f "$BROKER_LOG" ]]; then
    log "---- last lines of $BROKER_LOG ----"
    tail -n 40 "$BROKER_LOG" >&2 || true
  fi
}

ensure_topics() {
  if [[ "$KAFKA_SKIP_TOPICS" == "1" ]]; then
    log "KAFKA_SKIP_TOPICS=1: not creating topics"
    return 0
  fi
  command -v node >/dev/null 2>&1 || die "node not found (needed for scripts/kafka/ensure-topics.js)"
  (cd "$REPO_ROOT" && KAFKA_BROKERS="$KAFKA_HOST:$KAFKA_PORT" node scripts/kafka/ensure-topics.js 9>&-) ||
    die "ensure-topics failed; the broker is left running (stop it with scripts/kafka/stop.sh)"
}

wait_until_listening() { # pid -> 0 when the broker accepts connections
  local pid="$1" deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      show_logs
      die "the broker (pid $pid) exited during startup"
    fi
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

# 1. Already running?
if [[ -f "$PID_FILE" ]]; then
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if is_our_broker "$pid"; then
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      log "broker already running (pid $pid) on $KAFKA_HOST:$KAFKA_PORT"
    else
      log "broker process $pid is running but not answering yet; waiting"
      wait_until_listening "$pid" || { show_logs; die "broker $pid did not open $KAFKA_HOST:$KAFKA_PORT within ${KAFKA_START_TIMEOUT}s"; }
      log "broker ready (pid $pid) on $KAFKA_HOST:$KAFKA_PORT"
    fi
    ensure_topics
    exit 0
  fi
  log "removing stale pid file ($PID_FILE names no running broker)"
  rm -f "$PID_FILE"
fi

# 2. Ports must be free.
for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
  if port_open "$KAFKA_HOST" "$port"; then
    who="$(who_listens "$port")"
    die "port $KAFKA_HOST:$port is already in use by another process${who:+: $who}
        (not a broker started from $RUN_DIR). Stop it, or set KAFKA_PORT / KAFKA_CONTROLLER_PORT."
  fi
done

# 3. Jars, fetched once per version into the cache (temp dir, then an atomic mv).
if [[ ! -f "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
  command -v mvn >/dev/null 2>&1 || die "mvn not found (Maven is needed once to fetch the Kafka jars)"
  log "fetching Kafka $KAFKA_VERSION jars with Maven into $LIBS_DIR"
  mkdir -p "$CACHE_DIR/$KAFKA_VERSION"
  tmp_libs="$(mktemp -d "$CACHE_DIR/$KAFKA_VERSION/.libs.tmp.XXXXXX")"
  mvn_log="$tmp_libs.mvn.log"
  trap 'rm -rf "$tmp_libs" "$mvn_log"; rmdir "$CACHE_DIR/$KAFKA_VERSION" 2>/dev/null || true' EXIT
  # Output goes to a log shown only on failure (Maven 3.8 prints stray colour
  # codes even with -q).
  if ! mvn -B -ntp -Dstyle.color=never -f "$SCRIPT_DIR/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp_libs" </dev/null >"$mvn_log" 2>&1 9>&-; then
    tail -n 40 "$mvn_log" | sed 's/\x1b\[[0-9;]*m//g' >&2 || true
    die "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
  fi
  [[ -f "$tmp_libs/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "Maven finished but kafka_2.13-$KAFKA_VERSION.jar is missing"
  # A libs dir without the main jar is never trusted (only complete dirs are
  # moved in, so this is manual damage); a complete one may be in use by a
  # concurrent start and is kept.
  if [[ -d "$LIBS_DIR" && ! -f "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
    rm -rf "$LIBS_DIR"
  fi
  if ! mv -T "$tmp_libs" "$LIBS_DIR" 2>/dev/null; then
    [[ -f "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "could not move the jars into $LIBS_DIR"
  fi
  trap - EXIT
  rm -rf "$tmp_libs" "$mvn_log"
  log "cached $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars"
fi

# 4. Configuration (regenerated on every start from the environment).
mkdir -p "$DATA_DIR"
cat >"$CONFIG" <<PROPS
# Generated by scripts/kafka/start.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_ADVERTISED_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA_DIR

num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
log.retention.hours=168

num.network.threads=2
num.io.threads=4
PROPS

JAVA_OPTS=(
  $KAFKA_HEAP_OPTS
  -XX:+UseSerialGC
  -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$SCRIPT_DIR/log4j.properties"
  "-Dkafka.logs.dir=$RUN_DIR"
  -cp "$LIBS_DIR/*"
)

# 5. Storage: cluster id generated once and kept; format only when needed.
if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
  cluster_id="$(java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$LIBS_DIR/*" \
    "-Dlog4j.configuration=file:$SCRIPT_DIR/log4j.properties" "-Dkafka.logs.dir=$RUN_DIR" \
    kafka.tools.StorageTool random-uuid 9>&- 2>>"$BROKER_OUT" | tail -n 1)"
  [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "could not generate a cluster id (got '$cluster_id')"
  printf '%s\n' "$cluster_id" >"$CLUSTER_ID_FILE"
fi
cluster_id="$(cat "$CLUSTER_ID_FILE")"
if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
  log "formatting storage in $DATA_DIR (cluster id $cluster_id)"
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$LIBS_DIR/*" \
    "-Dlog4j.configuration=file:$SCRIPT_DIR/log4j.properties" "-Dkafka.logs.dir=$RUN_DIR" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG" --ignore-formatted \
    9>&- >>"$BROKER_OUT" 2>&1 || { show_logs; die "kafka.tools.StorageTool format failed"; }
fi

# 6. Start in the background and wait for the listener.
log "starting Kafka $KAFKA_VERSION on $KAFKA_HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT), run dir $RUN_DIR"
started=$SECONDS
nohup java "${JAVA_OPTS[@]}" kafka.Kafka "$CONFIG" </dev/null >>"$BROKER_OUT" 2>&1 9>&- &
pid=$!
printf '%s\n' "$pid" >"$PID_FILE"

if ! wait_until_listening "$pid"; then
  show_logs
  log "broker did not open $KAFKA_HOST:$KAFKA_PORT within ${KAFKA_START_TIMEOUT}s; stopping it"
  "$SCRIPT_DIR/stop.sh" 9>&- >&2 || true
  exit 1
fi
log "broker listening after $((SECONDS - started))s (pid $pid)"

ensure_topics
log "ready: KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT"
