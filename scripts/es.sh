#!/usr/bin/env bash
# Run a local single-node Elasticsearch for development and the `es` tests.
#
#   bash scripts/es.sh start|stop|status|url
#
# The distribution (integ-test-zip, no bundled JDK) is fetched once with Maven into
# ${YUQING_CACHE:-$HOME/.cache/yuqing}. Elasticsearch refuses to run as root, so it runs
# as the unprivileged system user `yuqing-es`; because $HOME of root is usually not
# traversable by other users, the unpacked home, data and logs live in
# ${YUQING_ES_DIR:-/var/lib/yuqing-es} (outside the repository), owned by that user.
#
# The integ-test build lacks the analysis-common module, so the token filters cjk_bigram and
# cjk_width that the store's mapping uses are missing there. When the module is absent, the
# small plugin in scripts/es-cjk-plugin is built once with Maven (the jar is cached in $CACHE,
# keyed by a hash of its sources) and copied into <es home>/plugins/yuqing-cjk before start.
set -euo pipefail

ES_VERSION=8.19.7
ES_USER=${YUQING_ES_USER:-yuqing-es}
PORT=${YUQING_ES_PORT:-9200}
HOST=127.0.0.1
CACHE=${YUQING_CACHE:-$HOME/.cache/yuqing}
RUN_DIR=${YUQING_ES_DIR:-/var/lib/yuqing-es}
ZIP="$CACHE/elasticsearch-$ES_VERSION.zip"
ES_HOME="$RUN_DIR/elasticsearch-$ES_VERSION"
DATA_DIR="$RUN_DIR/data"
LOG_DIR="$RUN_DIR/logs"
PID_FILE="$RUN_DIR/es.pid"
URL="http://$HOST:$PORT"
START_TIMEOUT=${YUQING_ES_START_TIMEOUT:-120}
STOP_TIMEOUT=60
PLUGIN_NAME=yuqing-cjk
PLUGIN_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/es-cjk-plugin"
PLUGIN_DIR="$ES_HOME/plugins/$PLUGIN_NAME"

log() { echo "es.sh: $*" >&2; }
die() { log "$*"; exit 1; }

pid_alive() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

healthy() {
    # yellow or green: a single node never gets replicas assigned, so yellow is normal.
    local body
    body=$(curl -fsS --max-time 3 "$URL/_cluster/health" 2>/dev/null) || return 1
    [[ "$body" == *'"status":"green"'* || "$body" == *'"status":"yellow"'* ]]
}

show_log_tail() {
    local f
    for f in "$LOG_DIR"/*.log "$RUN_DIR/console.log"; do
        [[ -f "$f" ]] || continue
        log "---- last lines of $f ----"
        tail -n 40 "$f" >&2
    done
}

java_home() {
    local java
    java=$(command -v java) || die "java not found: install a Java 17 JDK (Debian: openjdk-17-jdk-headless)"
    dirname "$(dirname "$(readlink -f "$java")")"
}

fetch() {
    [[ -f "$ZIP" ]] && return 0
    command -v mvn >/dev/null || die "mvn not found: install Maven to download Elasticsearch (Debian: maven)"
    mkdir -p "$CACHE"
    log "downloading Elasticsearch $ES_VERSION with Maven into $CACHE"
    mvn -B -q dependency:copy \
        "-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
        "-DoutputDirectory=$CACHE" \
        || die "Maven could not download Elasticsearch $ES_VERSION"
    [[ -f "$ZIP" ]] || die "Maven finished but $ZIP is missing"
}

plugin_needed() {
    # A full distribution ships analysis-common; registering the filters twice stops the node.
    [[ ! -d "$ES_HOME/modules/analysis-common" ]]
}

plugin_jar() {
    # The cached jar's name carries a hash of the plugin sources, so an edit triggers a rebuild.
    local hash
    hash=$(cd "$PLUGIN_SRC" && find pom.xml src -type f -print0 | LC_ALL=C sort -z \
        | xargs -0 sha256sum | sha256sum | cut -c1-12)
    echo "$CACHE/$PLUGIN_NAME-$ES_VERSION-$hash.jar"
}

build_plugin() {
    local jar=$1
    [[ -f "$jar" ]] && return 0
    command -v mvn >/dev/null || die "mvn not found: install Maven to build the $PLUGIN_NAME plugin (Debian: maven)"
    mkdir -p "$CACHE"
    log "building the $PLUGIN_NAME analysis plugin with Maven (once; cached as $jar)"
    local build
    build=$(mktemp -d "$CACHE/plugin-build.XXXXXX")
    # The build directory lives outside the repository, next to the cached jar. Maven's
    # output is shown only when the build fails.
    if ! mvn -B -q -f "$PLUGIN_SRC/pom.xml" package "-Dyuqing.build.dir=$build" >"$build/mvn.log" 2>&1; then
        tail -n 40 "$build/mvn.log" >&2
        rm -rf "$build"
        die "Maven could not build the $PLUGIN_NAME plugin from $PLUGIN_SRC"
    fi
    mv "$build/$PLUGIN_NAME-$ES_VERSION.jar" "$jar.tmp" && mv "$jar.tmp" "$jar"
    rm -rf "$build"
}

install_plugin() {
    if ! plugin_needed; then
        rm -rf "$PLUGIN_DIR"
        return 0
    fi
    local jar
    jar=$(plugin_jar)
    build_plugin "$jar"
    # Always copied, so the node runs the jar that matches the current sources.
    rm -rf "$PLUGIN_DIR"
    mkdir -p "$PLUGIN_DIR"
    cp "$jar" "$PLUGIN_DIR/$PLUGIN_NAME.jar"
    unzip -p "$jar" plugin-descriptor.properties >"$PLUGIN_DIR/plugin-descriptor.properties" \
        || die "$jar has no plugin-descriptor.properties"
}

check_plugin() {
    plugin_needed || return 0
    local plugins
    plugins=$(curl -fsS --max-time 5 "$URL/_cat/plugins?h=component" 2>/dev/null) \
        || die "could not list the plugins of $URL"
    if [[ "$plugins" != *"$PLUGIN_NAME"* ]]; then
        show_log_tail
        die "Elasticsearch started without the $PLUGIN_NAME plugin (cjk_bigram/cjk_width missing)"
    fi
}

ensure_user() {
    id -u "$ES_USER" >/dev/null 2>&1 && return 0
    [[ $(id -u) -eq 0 ]] || die "user $ES_USER is missing and only root can create it"
    log "creating system user $ES_USER"
    useradd --system --no-create-home --home-dir "$RUN_DIR" --shell /usr/sbin/nologin "$ES_USER"
}

install_home() {
    mkdir -p "$RUN_DIR" "$DATA_DIR" "$LOG_DIR"
    if [[ ! -x "$ES_HOME/bin/elasticsearch" ]]; then
        log "unpacking $ZIP into $RUN_DIR"
        local tmp
        tmp=$(mktemp -d "$RUN_DIR/unpack.XXXXXX")
        unzip -q "$ZIP" -d "$tmp"
        rm -rf "$ES_HOME"
        mv "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME"
        rmdir "$tmp"
    fi
    install_plugin
    chown -R "$ES_USER": "$RUN_DIR"
}

start() {
    if pid_alive && healthy; then
        echo "$URL"
        return 0
    fi
    if ! pid_alive && healthy; then
        die "something else already answers on $URL (not started by this script); stop it or set YUQING_ES_PORT"
    fi
    if ! pid_alive; then
        fetch
        ensure_user
        install_home
        local jh
        jh=$(java_home)
        rm -f "$PID_FILE"
        log "starting Elasticsearch $ES_VERSION on $URL (logs in $LOG_DIR)"
        # -d daemonizes, -p writes the pid file. xpack.ml.enabled is not set: this distribution
        # has no ML module, and an unknown setting would stop the node from starting.
        runuser -u "$ES_USER" -- env \
            ES_JAVA_HOME="$jh" \
            ES_JAVA_OPTS="-Xms512m -Xmx512m" \
            ES_PATH_CONF="$ES_HOME/config" \
            "$ES_HOME/bin/elasticsearch" -d -p "$PID_FILE" \
            -Ediscovery.type=single-node \
            -Expack.security.enabled=false \
            -Enetwork.host="$HOST" \
            -Ehttp.port="$PORT" \
            -Epath.data="$DATA_DIR" \
            -Epath.logs="$LOG_DIR" \
            -Ecluster.routing.allocation.disk.threshold_enabled=false \
            >"$RUN_DIR/console.log" 2>&1 \
            || { log "Elasticsearch failed to start"; show_log_tail; exit 1; }
    fi
    local waited=0
    until healthy; do
        if (( waited >= START_TIMEOUT )); then
            log "Elasticsearch did not become healthy within ${START_TIMEOUT}s"
            show_log_tail
            exit 1
        fi
        if [[ -f "$PID_FILE" ]] && ! pid_alive; then
            log "Elasticsearch exited during start-up"
            show_log_tail
            exit 1
        fi
        sleep 2
        waited=$((waited + 2))
    done
    check_plugin
    echo "$URL"
}

stop() {
    if ! pid_alive; then
        rm -f "$PID_FILE"
        log "not running"
        return 0
    fi
    local pid waited=0
    pid=$(cat "$PID_FILE")
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do
        if (( waited >= STOP_TIMEOUT )); then
            log "still running after ${STOP_TIMEOUT}s; sending SIGKILL to $pid"
            kill -9 "$pid" 2>/dev/null || true
            break
        fi
        sleep 1
        waited=$((waited + 1))
    done
    rm -f "$PID_FILE"
    log "stopped"
}

status() {
    if pid_alive && healthy; then
        echo "running (pid $(cat "$PID_FILE")) at $URL"
    elif pid_alive; then
        echo "starting or unhealthy (pid $(cat "$PID_FILE")) at $URL"
        return 1
    else
        echo "stopped"
        return 3
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    url) echo "$URL" ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
