"""deploy/kubernetes: every manifest is valid Kubernetes, and says what the issue requires.

Schemas come from the kubernetes-validate wheel (no network). Strict mode rejects
unknown fields, so a misspelt key fails here rather than being dropped by the cluster.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from idcard.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = ROOT / "deploy" / "kubernetes"
DOCKERFILE = ROOT / "Dockerfile"
# The oldest minor still common in on-premises clusters, and the newest the wheel knows.
KUBERNETES_VERSIONS = ("1.27", kubernetes_validate.utils.latest_version())
KUSTOMIZE_KINDS = {"Kustomization", "Component"}

Doc = dict[str, Any]


def _documents(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _manifest_files() -> list[Path]:
    return sorted(MANIFESTS.rglob("*.yaml"))


def _resources() -> list[tuple[str, Doc]]:
    found = []
    for path in _manifest_files():
        for doc in _documents(path):
            if doc["kind"] not in KUSTOMIZE_KINDS and not _is_patch(path):
                found.append((f"{path.relative_to(MANIFESTS)}:{doc['kind']}", doc))
    return found


def _patch_paths() -> set[Path]:
    paths = set()
    for kustomization in MANIFESTS.rglob("kustomization.yaml"):
        for patch in _documents(kustomization)[0].get("patches", []):
            paths.add((kustomization.parent / patch["path"]).resolve())
    return paths


def _is_patch(path: Path) -> bool:
    return path.resolve() in _patch_paths()


def _one(kind: str, name: str, folder: Path = MANIFESTS) -> Doc:
    matches = [doc for path in folder.glob("*.yaml") for doc in _documents(path)
               if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name} in {folder}, found {len(matches)}"
    return matches[0]


def _idcard_container() -> Doc:
    containers = _one("Deployment", "idcard")["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == "idcard")


def _env(container: Doc) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container.get("env", [])}


# -- schema ---------------------------------------------------------------------------------

@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(("where", "doc"), _resources(), ids=[w for w, _ in _resources()])
def test_every_manifest_is_valid_kubernetes(where: str, doc: Doc, version: str) -> None:
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        pytest.fail(f"{where} is not valid Kubernetes {version}: {exc.message}")


def test_the_validator_rejects_a_misspelt_field() -> None:
    deployment = _one("Deployment", "idcard")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["htpGet"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_every_manifest_file_is_part_of_a_kustomization() -> None:
    listed = set()
    for kustomization in MANIFESTS.rglob("kustomization.yaml"):
        spec = _documents(kustomization)[0]
        entries = spec.get("resources", []) + [p["path"] for p in spec.get("patches", [])]
        for entry in entries:
            target = (kustomization.parent / entry).resolve()
            assert target.is_file(), f"{kustomization} lists missing {entry}"
            listed.add(target)
        for component in spec.get("components", []):
            assert (kustomization.parent / component / "kustomization.yaml").is_file()
        listed.add(kustomization.resolve())
    orphans = [p for p in _manifest_files() if p.resolve() not in listed]
    assert not orphans, f"not in any kustomization.yaml: {orphans}"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
@pytest.mark.parametrize("with_redis", [False, True], ids=["base", "with-redis"])
def test_kustomize_output_is_valid_kubernetes(tmp_path: Path, with_redis: bool) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    components = "components: [../redis]\n" if with_redis else ""
    shutil.copytree(MANIFESTS, tmp_path / "base")
    shutil.copytree(MANIFESTS / "redis", tmp_path / "redis")
    (overlay / "kustomization.yaml").write_text(
        f"resources: [../base]\n{components}", encoding="utf-8")
    rendered = subprocess.run(["kubectl", "kustomize", str(overlay)], check=True,
                              capture_output=True, text=True, timeout=60).stdout
    docs = [doc for doc in yaml.safe_load_all(rendered) if doc]
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[-1], strict=True)
    deployment = next(d for d in docs if d["kind"] == "Deployment"
                      and d["metadata"]["name"] == "idcard")
    env = _env(deployment["spec"]["template"]["spec"]["containers"][0])
    assert ("IDCARD_REDIS_URL" in env) is with_redis
    assert "IDCARD_API_KEYS_FILE" in env


# -- the Deployment -------------------------------------------------------------------------

def test_requests_two_cores_and_one_gibibyte() -> None:
    resources = _idcard_container()["resources"]
    assert resources["requests"] == {"cpu": "2", "memory": "1Gi"}


def test_worker_pool_is_sized_to_the_cpu_request() -> None:
    # The defaults count the node's cores, which a pod does not own.
    env = _env(_idcard_container())
    cpus = int(_idcard_container()["resources"]["requests"]["cpu"])
    assert int(env["IDCARD_POOL_SIZE"]) * int(env["IDCARD_OCR_THREADS"]) == cpus


def test_probes_use_readiness_and_liveness_endpoints() -> None:
    container = _idcard_container()
    port = container["ports"][0]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port["name"]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    startup = container["startupProbe"]
    assert startup["httpGet"]["path"] == "/readyz"
    # Long enough for a model load on a busy node before the kubelet restarts the pod.
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120


def test_container_port_is_the_images() -> None:
    exposed = re.search(r"^EXPOSE (\d+)", DOCKERFILE.read_text(encoding="utf-8"), re.M)
    assert exposed is not None
    assert _idcard_container()["ports"][0]["containerPort"] == int(exposed.group(1))


def test_runs_as_the_images_unprivileged_user() -> None:
    pod = _one("Deployment", "idcard")["spec"]["template"]["spec"]["securityContext"]
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    image_uid = re.search(r"useradd .*--uid (\d+)", dockerfile)
    image_user = re.search(r"^USER (\d+):(\d+)$", dockerfile, re.M)
    assert image_uid is not None and image_user is not None
    assert image_user.group(1) == image_uid.group(1)  # numeric: runAsNonRoot can check it
    assert pod["runAsNonRoot"] is True
    assert pod["runAsUser"] == int(image_uid.group(1)) != 0
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}


@pytest.mark.parametrize("folder", [MANIFESTS, MANIFESTS / "redis"], ids=["idcard", "redis"])
def test_every_container_is_locked_down(folder: Path) -> None:
    deployments = [d for p in folder.glob("*.yaml") for d in _documents(p)
                   if d["kind"] == "Deployment" and "selector" in d["spec"]]
    assert deployments
    for deployment in deployments:
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}


def test_tmp_is_writable_under_a_read_only_root() -> None:
    pod = _one("Deployment", "idcard")["spec"]["template"]["spec"]
    tmp = next(m for m in _idcard_container()["volumeMounts"] if m["mountPath"] == "/tmp")
    volume = next(v for v in pod["volumes"] if v["name"] == tmp["name"])
    assert "emptyDir" in volume


def test_prometheus_scrapes_the_service_port() -> None:
    annotations = _one("Deployment", "idcard")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == _idcard_container()["ports"][0][
        "containerPort"]


# -- settings ---------------------------------------------------------------------------------

def _manifest_settings() -> dict[str, str]:
    env: dict[str, str] = {}
    for path in _manifest_files():
        for doc in _documents(path):
            if doc["kind"] != "Deployment":
                continue
            for container in doc["spec"]["template"]["spec"]["containers"]:
                env.update({k: v for k, v in _env(container).items()
                            if k.startswith("IDCARD_")})
    return env


def test_every_idcard_variable_is_a_setting_and_its_value_loads() -> None:
    env = _manifest_settings()
    known = {name.upper() for name in Settings.__struct_fields__}
    unknown = {name.removeprefix("IDCARD_") for name in env} - known
    assert not unknown, f"manifests set IDCARD_ variables the service ignores: {unknown}"
    load_settings(env)  # a malformed value would stop start-up


# -- the pieces fit together -------------------------------------------------------------------

def test_key_file_setting_points_into_the_read_only_secret_mount() -> None:
    pod = _one("Deployment", "idcard")["spec"]["template"]["spec"]
    key_file = Path(_env(_idcard_container())["IDCARD_API_KEYS_FILE"])
    mount = next(m for m in _idcard_container()["volumeMounts"]
                 if m["mountPath"] == str(key_file.parent))
    assert mount["readOnly"] is True
    assert "subPath" not in mount  # a subPath mount never sees a changed Secret
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])["secret"]
    assert volume["defaultMode"] & 0o002 == 0  # the service refuses a world-writable file
    item = next(i for i in volume["items"] if i["path"] == key_file.name)
    secret = _one("Secret", volume["secretName"])
    example = tomllib.loads(secret["stringData"][item["key"]])
    for stored in example["keys"].values():
        # A placeholder that no key hashes to: the example admits nobody.
        assert stored["sha256"] == "0" * 64


def test_service_hpa_and_budget_select_the_idcard_pods() -> None:
    deployment = _one("Deployment", "idcard")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = _one("Service", "idcard")
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == _idcard_container()["ports"][0]["name"]
    budget = _one("PodDisruptionBudget", "idcard")
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = _one("HorizontalPodAutoscaler", "idcard")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "idcard"}
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert hpa["spec"]["minReplicas"] >= 2  # the budget lets one go during a drain


def test_redis_component_points_idcard_at_its_service() -> None:
    folder = MANIFESTS / "redis"
    patch = _documents(folder / "idcard-redis-url.yaml")[0]
    assert patch["metadata"]["name"] == _one("Deployment", "idcard")["metadata"]["name"]
    container = patch["spec"]["template"]["spec"]["containers"][0]
    assert container["name"] == _idcard_container()["name"]
    url = re.fullmatch(r"redis://([a-z0-9-]+):(\d+)/\d+", _env(container)["IDCARD_REDIS_URL"])
    assert url is not None
    service = _one("Service", url.group(1), folder)
    assert service["spec"]["ports"][0]["port"] == int(url.group(2))
    assert "redis" not in (_documents(MANIFESTS / "kustomization.yaml")[0]
                           .get("components") or []), "Redis must stay optional"


def test_dockerfile_base_image_is_configurable() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11-slim$", text, re.M)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.M)
    assert re.search(r"^RUN scripts/install\.sh$", text, re.M)  # the README's steps
