# shellcheck shell=sh
# Finds a JDK 21 or newer; sourced by ./junction and ./mvnw so that the README's commands work with an
# older `java` on PATH and no JAVA_HOME set. Sets JUNCTION_JAVA_HOME (the launcher runs the server with it)
# and exports JAVA<N>_HOME, which the Maven toolchains plugin (pom.xml) picks up for compiling and testing;
# Maven itself keeps running on whatever `java` it finds, as usual.
#
# Looks at, in order: $JAVA_HOME, the javac on PATH, then the usual install places (the Maven toolchains
# plugin, configured in pom.xml, discovers the same ones). Among those places the newest JDK wins.
# JUNCTION_JDK_DIRS (space-separated globs) replaces the install places; the tests use it.
# Exits the calling script with one sentence when no JDK 21+ exists.

junction_jdk_major() {
  # Prints the feature version of the JDK at $1, or nothing when $1 is not a JDK.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release")
  else
    v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  case "$v" in
    1.*) v=${v#1.} ;;
  esac
  v=${v%%[!0-9]*}
  if [ -n "$v" ]; then echo "$v"; fi
}

junction_find_jdk() {
  need=21
  if [ -n "${JAVA_HOME:-}" ]; then
    m=$(junction_jdk_major "$JAVA_HOME")
    if [ -n "$m" ] && [ "$m" -ge "$need" ]; then
      JUNCTION_JAVA_HOME=$JAVA_HOME
      return 0
    fi
  fi
  best=""
  best_major=0
  candidates=""
  if command -v javac >/dev/null 2>&1; then
    javac_path=$(readlink -f "$(command -v javac)" 2>/dev/null || command -v javac)
    candidates=$(dirname "$(dirname "$javac_path")")
  fi
  dirs=${JUNCTION_JDK_DIRS-"/usr/lib/jvm/* /usr/java/* /usr/local/java/* /opt/java/* /opt/jdk* /opt/*jdk* \
$HOME/.sdkman/candidates/java/* $HOME/.jdks/* $HOME/.m2/jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home"}
  for d in $candidates $dirs; do
    [ -d "$d" ] || continue
    m=$(junction_jdk_major "$d")
    if [ -n "$m" ] && [ "$m" -ge "$need" ] && [ "$m" -gt "$best_major" ]; then
      best=$d
      best_major=$m
    fi
  done
  if [ -z "$best" ]; then
    echo "Junction needs a JDK 21 or newer and found none: install one (Temurin 21+ from adoptium.net, or \`apt-get install openjdk-21-jdk\` on Debian 13 / Ubuntu 24.04) or set JAVA_HOME to it." >&2
    exit 1
  fi
  JUNCTION_JAVA_HOME=$best
  eval "JAVA${best_major}_HOME=\$best; export JAVA${best_major}_HOME"
}

junction_find_jdk
