#!/usr/bin/env bash
# Lifeboat's benchmark: every Lifeboat operation against its stock-tool equivalent, side by side, as ratios.
#
#   bench/run.sh [--scale N] [--pairs N] [--only pg,files,encrypted,s3,pg-restore,files-restore,rss,extras]
#                [--work DIR] [--out FILE] [--retries N]
#
# Scale 1 (the default) is a quick check (≈ 130 MiB of files, pgbench -s 4); the figures in docs/benchmarks.md
# are from --scale 8 (≈ 1 GiB of files, pgbench -s 32). Data sets are generated once per scale under the work
# directory (default $TMPDIR/lifeboat-bench, or $BENCH_WORK) and in databases lb_bench_s<N>; delete them with
# bench/run.sh --clean.
#
# What this script does before measuring:
#   1. checks the tools (pg_dump, pg_restore, pgbench, psql, zstd, tar, age, openssl, /usr/bin/time); installs the
#      missing ones with apt-get when it can (as root), otherwise says which package to install and stops;
#   2. checks that PostgreSQL answers on $PGHOST:$PGPORT (default 127.0.0.1:5432, user $PGUSER=postgres);
#   3. builds cli/target/lifeboat.jar and its launcher cli/target/lifeboat through the Maven reactor when they
#      are missing or older than the sources (never `mvn install`); Lifeboat is measured through the launcher,
#      as operators run it (LIFEBOAT_JAR=other.jar: the launcher next to it, else `java -jar`);
#   4. fetches the S3Proxy 4.1.0 standalone jar into bench/target/ with the Maven dependency plugin.
# Then it runs bench/Bench.java (a single-file Java program; no compilation step needed). It exits non-zero
# when something cannot be measured; it never prints a figure it did not measure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}

say() { printf 'bench: %s\n' "$*" >&2; }

if [[ "${1:-}" == "--clean" ]]; then
  work=${BENCH_WORK:-${TMPDIR:-/tmp}/lifeboat-bench}
  say "removing $work and the lb_bench_* databases"
  rm -rf "$work"
  for db in $(psql -Atc "select datname from pg_database where datname like 'lb\_bench\_%'" postgres); do
    dropdb "$db"
  done
  exit 0
fi

# --- tools ---------------------------------------------------------------------------------------------------
declare -A packages=(
  [pg_dump]=postgresql-client [pg_restore]=postgresql-client [psql]=postgresql-client [pgbench]=postgresql-client
  [createdb]=postgresql-client [dropdb]=postgresql-client [pg_isready]=postgresql-client
  [zstd]=zstd [tar]=tar [age]=age [age-keygen]=age [openssl]=openssl [java]=openjdk-17-jdk-headless
)
missing=()
for tool in "${!packages[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${packages[$tool]}")
done
[[ -x /usr/bin/time ]] || missing+=(time)
if ((${#missing[@]})); then
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing: $pkgs"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
  else
    say "missing tools; install these packages (Debian/Ubuntu names): $pkgs"
    exit 2
  fi
fi
jv=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
if [[ -z "$jv" || "$jv" -lt 17 ]]; then
  say "Java 17 or newer is needed (found: $(java -version 2>&1 | head -1))"
  exit 2
fi

# --- PostgreSQL ----------------------------------------------------------------------------------------------
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  say "PostgreSQL does not answer on $PGHOST:$PGPORT. Start one (e.g. pg_ctlcluster 15 main start) or set PGHOST/PGPORT/PGUSER."
  exit 2
fi
if ! psql -Atqc 'select 1' postgres >/dev/null 2>&1; then
  say "cannot connect to PostgreSQL as $PGUSER on $PGHOST:$PGPORT without a password (trust or ~/.pgpass needed)"
  exit 2
fi

# --- the CLI jar ---------------------------------------------------------------------------------------------
jar=cli/target/lifeboat.jar
if [[ ! -f $jar ]] || [[ ! -x cli/target/lifeboat ]] \
    || [[ -n $(find api core integrations/s3 cli -path '*/src/main/*' -newer "$jar" -print -quit) ]]; then
  say "building $jar (./mvnw -pl cli -am package, tests skipped)"
  ./mvnw -B -q -pl cli -am package -Dmaven.test.skip=true
fi

# --- S3Proxy -------------------------------------------------------------------------------------------------
s3jar=bench/target/s3proxy-4.1.0-jar-with-dependencies.jar
if [[ ! -f $s3jar ]]; then
  say "fetching S3Proxy 4.1.0 (standalone jar) into bench/target/"
  mkdir -p bench/target
  ./mvnw -B -q -N dependency:copy -Dartifact=org.gaul:s3proxy:4.1.0:jar:jar-with-dependencies -DoutputDirectory=bench/target
fi

export LIFEBOAT_REPO=$repo
exec java -Xmx256m bench/Bench.java "$@"
