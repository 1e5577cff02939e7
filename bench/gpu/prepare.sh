#!/usr/bin/env bash
# Prepares what travels to a GPU server for bench/gpu/check.sh (see ../shared/GPU.md): a Java runtime made with jlink,
# the CLI jar without other platforms' native libraries, the test classes and JUnit's console launcher, all in the
# git-ignored folder gpu-pack/ (carry it: the device tool copies ignored paths only when named). Fails if the pack
# exceeds 64 MiB.
#   bench/gpu/prepare.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
source scripts/jdk.sh
pack="$here/gpu-pack"
rm -rf "$pack" && mkdir -p "$pack"
mvn -q -B -DskipTests install >&2
mvn -q -B -pl bindings,core test-compile >&2

# The runtime: the modules tuna and its tests use, stripped (about 28 MB as a tarball).
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.sql,java.logging,java.management,java.xml,jdk.zipfs,jdk.unsupported,jdk.incubator.vector \
  --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output "$pack/runtime"
tar -C "$pack" -czf "$pack/runtime.tar.gz" runtime && rm -rf "$pack/runtime"

# The CLI jar for x86_64 Linux servers: XGBoost's aarch64 library stays behind.
cp cli/target/tuna.jar "$pack/tuna.jar"
zip -q -d "$pack/tuna.jar" 'lib/linux/aarch64/*' >/dev/null || true
# The tests (the gpu-tagged ones run there) and the launcher that runs them without Maven.
classes="$(mktemp -d)"
cp -r bindings/target/test-classes/. core/target/test-classes/. "$classes"/
rm -rf "$classes/META-INF"
jar --create --file "$pack/tuna-tests.jar" -C "$classes" . && rm -rf "$classes"
cp "$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone/1.14.4/junit-platform-console-standalone-1.14.4.jar" "$pack/junit-console.jar" \
  || mvn -q -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.4 -DoutputDirectory="$pack" -Dmdep.stripVersion=true
[[ -f "$pack/junit-console.jar" ]] || mv "$pack"/junit-platform-console-standalone*.jar "$pack/junit-console.jar"

size=$(du -sb "$pack" | cut -f1)
echo "gpu-pack: $(du -sh "$pack" | cut -f1) ($(ls "$pack" | tr '\n' ' '))"
(( size <= 64 * 1024 * 1024 )) || { echo "gpu-pack is $size bytes, over the 64 MiB that may travel" >&2; exit 1; }
