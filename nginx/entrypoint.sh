#!/bin/sh
# lattice-ingress proxy task entrypoint (POSIX sh: dash in the nginx image, bash in aws-cli).
#
#   entrypoint.sh fetch   config-fetcher container (needs `aws`): download the config from S3
#                         into $SHARED_DIR/incoming with bounded exponential backoff; in
#                         reload mode keep polling the object's ETag and download changes.
#                         In both modes it stays up to report what serve applied (or
#                         rejected) to s3://$CONFIG_BUCKET/${FLEET_PREFIX}<task id>.json, the
#                         control plane's view of the fleet, and to beat $STATUS_DIR/heartbeat.
#   entrypoint.sh serve   nginx container (needs `nginx`): validate the downloaded config with
#                         `nginx -t`, start nginx, and apply later downloads by graceful
#                         reload. A config that fails `nginx -t` is never applied. Writes the
#                         outcome to $STATUS_DIR/applied.json, and CloudWatch metrics in the
#                         embedded metric format (EMF) to its log: ConfigRejected per rejected
#                         config, PollerStale while the fetcher's heartbeat is too old.
#
# The two roles share only a directory, so the task runs the stock NGINX and AWS CLI images
# (no image build). template.yaml embeds this file verbatim (a test keeps the copies equal);
# the local data plane runs this very file against the embedded S3 (AWS_ENDPOINT_URL).
# Logs are single-line JSON on stdout.
set -u

ROLE="${1:-}"
SHARED_DIR="${SHARED_DIR:-/shared}"
INCOMING="$SHARED_DIR/incoming"
ROLLOUT_MODE="${ROLLOUT_MODE:-redeploy}"
CONFIG_POLL_SECONDS="${CONFIG_POLL_SECONDS:-15}"
FETCH_MAX_ATTEMPTS="${FETCH_MAX_ATTEMPTS:-10}"
FETCH_BASE_DELAY_SECONDS="${FETCH_BASE_DELAY_SECONDS:-1}"
FETCH_MAX_DELAY_SECONDS="${FETCH_MAX_DELAY_SECONDS:-30}"
CONFIG_WAIT_SECONDS="${CONFIG_WAIT_SECONDS:-300}"
CONFIG_WATCH_SECONDS="${CONFIG_WATCH_SECONDS:-2}"
NGINX_BIN="${NGINX_BIN:-nginx}"
# Local runs only: the process that owns this task; when it is gone, so are we. (In a
# container the entrypoint is the main process and this stays empty.)
PARENT_PID="${LATTICE_INGRESS_PARENT_PID:-}"
NGINX_CONF_DIR="${NGINX_CONF_DIR:-/etc/nginx}"
NGINX_PREFIX="${NGINX_PREFIX:-}"
# Main-context directives given on the command line, e.g. locally the Debian stream module
# (`load_module ...;`) and a private pid file; the official image needs none.
NGINX_GLOBALS="daemon off; ${NGINX_GLOBAL_DIRECTIVES:-}"
LIVE_CONF="$NGINX_CONF_DIR/lattice-ingress.conf"
NEXT_CONF="$NGINX_CONF_DIR/lattice-ingress.next.conf"
# Written by both containers (its own volume: the config volume stays read-only for nginx).
STATUS_DIR="${STATUS_DIR:-$SHARED_DIR/status}"
FLEET_PREFIX="${FLEET_PREFIX:-fleet/}"
FLEET_NAME="${FLEET_NAME:-lattice-ingress}"
METRICS_NAMESPACE="${METRICS_NAMESPACE:-LatticeIngress/Fleet}"
# The poller is stale after this many missed polls, and never sooner than
# POLLER_STALE_MIN_SECONDS (an aws CLI call can take seconds on a busy task); PollerStale
# repeats at most every STALE_METRIC_SECONDS while it stays stale (one datapoint a period).
POLLER_STALE_INTERVALS="${POLLER_STALE_INTERVALS:-4}"
POLLER_STALE_MIN_SECONDS="${POLLER_STALE_MIN_SECONDS:-60}"
STALE_METRIC_SECONDS="${STALE_METRIC_SECONDS:-60}"
# Locally the data plane names the task; on ECS the task metadata endpoint does.
TASK_ARN="${LATTICE_INGRESS_TASK_ARN:-}"

# -- logging -----------------------------------------------------------------------------
json_escape() {
    # One line, no control characters, JSON string escapes for \ and ".
    printf '%s' "$1" | tr '\n\t\r' '   ' | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g'
}

log() { # level event message [detail]
    printf '{"time":"%s","level":"%s","logger":"lattice-ingress-entrypoint","role":"%s","event":"%s","message":"%s","detail":"%s"}\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$ROLE" "$2" "$(json_escape "$3")" \
        "$(json_escape "${4:-}")"
}

die() { log ERROR "$1" "$2" "${3:-}"; exit 1; }

now() { date -u +%s; }

emit_metric() { # name value: one EMF record, which CloudWatch Logs turns into a metric
    printf '{"_aws":{"Timestamp":%s,"CloudWatchMetrics":[{"Namespace":"%s","Dimensions":[["Fleet"]],"Metrics":[{"Name":"%s","Unit":"Count"}]}]},"Fleet":"%s","%s":%s,"logger":"lattice-ingress-entrypoint","role":"%s","event":"metric"}\n' \
        "$(($(now) * 1000))" "$(json_escape "$METRICS_NAMESPACE")" "$1" "$(json_escape "$FLEET_NAME")" "$1" "$2" "$ROLE"
}

parent_gone() { [ -n "$PARENT_PID" ] && ! kill -0 "$PARENT_PID" 2>/dev/null; }

# -- fetch role --------------------------------------------------------------------------
fetch_once() {
    # Download to a temporary name, then rename: the serve role never sees a partial file.
    tmp="$INCOMING/.nginx.conf.$$"
    err="$INCOMING/.fetch-error.$$"
    if object=$(aws s3api get-object --bucket "$CONFIG_BUCKET" --key "$CONFIG_KEY" \
        --query '[ETag,VersionId]' --output text "$tmp" 2>"$err"); then
        etag=$(printf '%s' "$object" | cut -f1)
        version=$(printf '%s' "$object" | cut -f2)
        # The config first, then its version: whoever reads the version and then the
        # config gets a config at least that new (serve relabels on the next check).
        mv -f "$tmp" "$INCOMING/nginx.conf"
        printf '%s\n' "$version" >"$INCOMING/.version.$$" && mv -f "$INCOMING/.version.$$" "$INCOMING/version"
        printf '%s\n' "$etag" >"$INCOMING/.etag.$$" && mv -f "$INCOMING/.etag.$$" "$INCOMING/etag"
        CURRENT_ETAG="$etag"
        rm -f "$err"
        log INFO config_fetched "downloaded s3://$CONFIG_BUCKET/$CONFIG_KEY" "etag=$etag versionId=$version"
        return 0
    fi
    FETCH_ERROR=$(cat "$err" 2>/dev/null)
    rm -f "$tmp" "$err"
    return 1
}

fetch_with_retries() {
    attempt=1
    delay="$FETCH_BASE_DELAY_SECONDS"
    while ! fetch_once; do
        if [ "$attempt" -ge "$FETCH_MAX_ATTEMPTS" ]; then
            log ERROR fetch_failed "giving up after $attempt attempts" "$FETCH_ERROR"
            return 1
        fi
        log WARN fetch_retry "attempt $attempt failed; retrying in ${delay}s" "$FETCH_ERROR"
        sleep "$delay"
        parent_gone && exit 0
        attempt=$((attempt + 1))
        delay=$((delay * 2))
        [ "$delay" -gt "$FETCH_MAX_DELAY_SECONDS" ] && delay="$FETCH_MAX_DELAY_SECONDS"
    done
    return 0
}

task_arn() {
    # ECS task metadata v4 (curl is in the aws-cli image); empty when neither is there.
    if [ -z "$TASK_ARN" ] && [ -n "${ECS_CONTAINER_METADATA_URI_V4:-}" ]; then
        TASK_ARN=$(curl -fsS --max-time 2 "$ECS_CONTAINER_METADATA_URI_V4/task" 2>/dev/null |
            sed -n 's/.*"TaskARN": *"\([^"]*\)".*/\1/p')
    fi
    printf '%s' "$TASK_ARN"
}

beat() { printf '%s\n' "$(now)" >"$STATUS_DIR/.heartbeat.$$" && mv -f "$STATUS_DIR/.heartbeat.$$" "$STATUS_DIR/heartbeat"; }

# Upload serve's latest outcome when it changed since the last upload (a failed upload is
# retried at the next interval). One small object per task, overwritten: the control plane
# reads the running tasks' objects, nothing else.
report_status() {
    [ -s "$STATUS_DIR/applied.json" ] || return 0
    status=$(cat "$STATUS_DIR/applied.json")
    [ "$status" = "$REPORTED" ] && return 0
    arn=$(task_arn)
    if [ -z "$arn" ]; then
        [ -n "$NO_ARN_LOGGED" ] || log WARN report_skipped "no task ARN (no ECS metadata endpoint): fleet reports are off"
        NO_ARN_LOGGED=1
        return 0
    fi
    body="$STATUS_DIR/.report.$$"
    printf '{"taskArn":"%s",%s\n' "$(json_escape "$arn")" "${status#\{}" >"$body"
    key="$FLEET_PREFIX${arn##*/}.json"
    if output=$(aws s3api put-object --bucket "$CONFIG_BUCKET" --key "$key" --body "$body" \
        --content-type application/json 2>&1 >/dev/null); then
        REPORTED="$status"
        log INFO status_reported "reported to s3://$CONFIG_BUCKET/$key" "$status"
    else
        log WARN report_failed "could not report the applied config" "$output"
    fi
    rm -f "$body"
}

run_fetch() {
    : "${CONFIG_BUCKET:?CONFIG_BUCKET is required}" "${CONFIG_KEY:?CONFIG_KEY is required}"
    mkdir -p "$INCOMING" "$STATUS_DIR"
    CURRENT_ETAG=""
    FETCH_ERROR=""
    REPORTED=""
    NO_ARN_LOGGED=""
    fetch_with_retries || exit 1
    beat
    # FETCH_ONLY=1: download and exit (the local data plane's stand-in for a new task).
    [ "${FETCH_ONLY:-0}" = 1 ] && exit 0
    # Reload mode: a HEAD per interval; download only when the ETag moved. A failed poll is
    # logged and retried at the next interval: the proxy keeps serving what it has. Both
    # modes: report serve's outcome and beat the heartbeat serve watches.
    trap 'exit 0' TERM INT
    while :; do
        sleep "$CONFIG_POLL_SECONDS" &
        wait $! || true
        parent_gone && exit 0
        report_status
        beat
        [ "$ROLLOUT_MODE" = reload ] || continue
        if ! etag=$(aws s3api head-object --bucket "$CONFIG_BUCKET" --key "$CONFIG_KEY" \
            --query ETag --output text 2>&1); then
            log WARN poll_failed "could not read the config object's ETag" "$etag"
            continue
        fi
        if [ "$etag" != "$CURRENT_ETAG" ]; then
            fetch_once || log WARN fetch_failed "download after ETag change failed" "$FETCH_ERROR"
        fi
    done
}

# -- serve role --------------------------------------------------------------------------
nginx_cmd() { # args...
    if [ -n "$NGINX_PREFIX" ]; then
        "$NGINX_BIN" -p "$NGINX_PREFIX" -e stderr "$@"
    else
        "$NGINX_BIN" -e stderr "$@"
    fi
}

checksum() { cksum <"$1" | cut -d' ' -f1-2; }

# Copy the downloaded config next to the live one and run `nginx -t` on it; on success it
# becomes the live config. Returns 1 (and logs) when the candidate is invalid.
stage_candidate() {
    cp "$INCOMING/nginx.conf" "$NEXT_CONF" || return 1
    if output=$(nginx_cmd -t -q -c "$NEXT_CONF" -g "$NGINX_GLOBALS" 2>&1); then
        mv -f "$NEXT_CONF" "$LIVE_CONF"
        return 0
    fi
    rm -f "$NEXT_CONF"
    log ERROR config_rejected "nginx -t failed: the published config is NOT applied; still serving the last good config" "$output"
    return 1
}

wait_for_download() {
    waited=0
    while [ ! -s "$INCOMING/nginx.conf" ]; do
        [ "$waited" -ge "$CONFIG_WAIT_SECONDS" ] &&
            die config_missing "no config downloaded after ${CONFIG_WAIT_SECONDS}s" "$INCOMING/nginx.conf"
        sleep 1
        parent_gone && exit 0
        waited=$((waited + 1))
    done
}

downloaded_version() { cat "$INCOMING/version" 2>/dev/null || true; }

# The outcome the fetcher reports: what was last decided, and what nginx serves.
write_status() { # state (applied|rejected)
    printf '{"state":"%s","versionId":"%s","servingVersionId":"%s","cksum":"%s","time":"%s"}\n' \
        "$1" "$(json_escape "$SEEN_VERSION")" "$(json_escape "$SERVING_VERSION")" "$SEEN_SUM" \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$STATUS_DIR/.applied.$$" &&
        mv -f "$STATUS_DIR/.applied.$$" "$STATUS_DIR/applied.json"
    LAST_STATE="$1"
}

check_for_new_config() {
    [ -s "$INCOMING/nginx.conf" ] || return 0
    version=$(downloaded_version) # before the config: see fetch_once
    seen=$(checksum "$INCOMING/nginx.conf")
    [ "$seen" = "$SEEN_SUM" ] && [ "$version" = "$SEEN_VERSION" ] && return 0
    if [ "$seen" = "$SEEN_SUM" ]; then
        # Same content under a newer version id: relabel, nothing to validate or reload.
        SEEN_VERSION="$version"
        [ "$LAST_STATE" = applied ] && SERVING_VERSION="$version"
        write_status "$LAST_STATE"
        return 0
    fi
    # Remember the rejected checksum too: one loud log per bad config, not one per interval.
    SEEN_SUM="$seen"
    SEEN_VERSION="$version"
    if stage_candidate; then
        kill -HUP "$NGINX_PID"
        SERVING_VERSION="$version"
        write_status applied
        log INFO config_reloaded "new config validated; nginx reloading gracefully" "cksum=$seen versionId=$version"
    else
        write_status rejected
        emit_metric ConfigRejected 1
    fi
}

# PollerStale while the fetcher's heartbeat is older than POLLER_STALE_INTERVALS polls.
check_poller() {
    beat_at=$(cat "$STATUS_DIR/heartbeat" 2>/dev/null || echo 0)
    case "$beat_at" in '' | *[!0-9]*) beat_at=0 ;; esac
    age=$(($(now) - beat_at))
    limit=$((POLLER_STALE_INTERVALS * CONFIG_POLL_SECONDS))
    [ "$limit" -lt "$POLLER_STALE_MIN_SECONDS" ] && limit="$POLLER_STALE_MIN_SECONDS"
    if [ "$age" -le "$limit" ]; then
        [ "$STALE_SINCE" = 0 ] || log INFO poller_recovered "the config poller reports again" "age=${age}s"
        STALE_SINCE=0
        return 0
    fi
    if [ "$STALE_SINCE" = 0 ]; then
        log ERROR poller_stale "no heartbeat from the config poller: this task no longer follows or reports the config" "age=${age}s"
        STALE_SINCE=$(now)
        STALE_METRIC_AT=0
    fi
    if [ $(($(now) - STALE_METRIC_AT)) -ge "$STALE_METRIC_SECONDS" ]; then
        emit_metric PollerStale 1
        STALE_METRIC_AT=$(now)
    fi
}

shutdown() {
    # SIGQUIT = graceful: finish open connections (the NLB drains during deregistration).
    log INFO stopping "stopping nginx gracefully"
    if [ -n "$NGINX_PID" ]; then
        kill -QUIT "$NGINX_PID" 2>/dev/null
        wait "$NGINX_PID"
    fi
    exit 0
}

run_serve() {
    # Traps first: a signal that arrives while the config is still awaited must not kill
    # this shell (SIGHUP's default action) or leave nginx without its supervisor.
    NGINX_PID=""
    CHECK_NOW=0
    trap shutdown TERM INT
    # SIGHUP asks for an immediate check of the downloaded config (the local data plane
    # sends it after re-fetching on an emulated ECS deployment).
    trap 'CHECK_NOW=1' HUP
    STALE_SINCE=0
    STALE_METRIC_AT=0
    SERVING_VERSION=""
    mkdir -p "$NGINX_CONF_DIR" "$STATUS_DIR"
    wait_for_download
    SEEN_VERSION=$(downloaded_version)
    SEEN_SUM=$(checksum "$INCOMING/nginx.conf")
    if ! stage_candidate; then
        write_status rejected
        emit_metric ConfigRejected 1
        die start_refused "the downloaded config is invalid; not starting"
    fi
    SERVING_VERSION="$SEEN_VERSION"
    write_status applied
    # Started directly (not through nginx_cmd): $! must be the nginx master itself, since a
    # function in the background runs in a subshell that would take our signals instead.
    set -- -e stderr
    [ -n "$NGINX_PREFIX" ] && set -- -p "$NGINX_PREFIX" "$@"
    "$NGINX_BIN" "$@" -c "$LIVE_CONF" -g "$NGINX_GLOBALS" &
    NGINX_PID=$!
    log INFO started "nginx started" "pid=$NGINX_PID mode=$ROLLOUT_MODE cksum=$SEEN_SUM versionId=$SEEN_VERSION"
    while :; do
        sleep "$CONFIG_WATCH_SECONDS" &
        SLEEP_PID=$!
        wait "$SLEEP_PID" 2>/dev/null || kill "$SLEEP_PID" 2>/dev/null
        parent_gone && shutdown
        if ! kill -0 "$NGINX_PID" 2>/dev/null; then
            wait "$NGINX_PID"
            status=$?
            die nginx_exited "nginx exited" "status=$status"
        fi
        if [ "$ROLLOUT_MODE" = reload ] || [ "$CHECK_NOW" = 1 ]; then
            CHECK_NOW=0
            check_for_new_config
        fi
        check_poller
    done
}

case "$ROLE" in
fetch) run_fetch ;;
serve) run_serve ;;
*)
    echo "usage: $0 fetch|serve" >&2
    exit 2
    ;;
esac
