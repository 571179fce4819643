"""Reading a cloud assembly (``cdk.out``): its stacks, templates and file assets."""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serverless_patterns.local.errors import LocalCloudError


@dataclass(frozen=True)
class FileAsset:
    """A file asset and where the deploy uploads it.

    Examples
    --------
    >>> FileAsset("Fn/Code", "/tmp/asset.abc", "zip", "bucket", "abc.zip").packaging
    'zip'
    """

    display_name: str
    source: str
    packaging: str
    bucket: str
    key: str

    def body(self) -> bytes:
        """The bytes to upload: the file, or the folder zipped like the CDK CLI does."""
        path = Path(self.source)
        if self.packaging != "zip" or path.is_file():
            return path.read_bytes()
        import io

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    full = Path(root) / name
                    archive.write(full, full.relative_to(path).as_posix())
        return buffer.getvalue()


@dataclass(frozen=True)
class StackArtifact:
    """One stack of the assembly.

    Examples
    --------
    >>> StackArtifact("App", "App", {"Resources": {}}, ()).stack_name
    'App'
    """

    artifact_id: str
    stack_name: str
    template: dict[str, Any]
    assets: tuple[FileAsset, ...]
    dependencies: tuple[str, ...] = ()
    docker_images: tuple[str, ...] = field(default=())
    paths: dict[str, str] = field(default_factory=dict)
    """Logical id to construct path (``Stack/Construct/Resource``)."""


def substitute(text: str, *, account: str, region: str, partition: str = "aws") -> str:
    """Replace the CDK asset manifest placeholders ``${AWS::AccountId}``, ``${AWS::Region}``, ``${AWS::Partition}``.

    Examples
    --------
    >>> substitute("cdk-${AWS::AccountId}-${AWS::Region}", account="1", region="eu-west-1")
    'cdk-1-eu-west-1'
    """
    return (
        text.replace("${AWS::AccountId}", account)
        .replace("${AWS::Region}", region)
        .replace("${AWS::Partition}", partition)
    )


def read_assembly(cdk_out: str | os.PathLike[str], *, account: str, region: str) -> list[StackArtifact]:
    """The stacks of a synthesized cloud assembly, dependencies first.

    Raises
    ------
    LocalCloudError
        When the folder holds no ``manifest.json`` or a file it names is missing.

    Examples
    --------
    >>> try:
    ...     read_assembly("/no/such/cdk.out", account="1", region="us-east-1")
    ... except LocalCloudError as error:
    ...     print(error)
    no cloud assembly at /no/such/cdk.out: manifest.json not found (run cdk synth first)
    """
    root = Path(cdk_out)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise LocalCloudError(f"no cloud assembly at {root}: manifest.json not found (run cdk synth first)")
    try:
        manifest = json.loads(manifest_path.read_text())
    except ValueError as error:
        raise LocalCloudError(f"{manifest_path} is not valid JSON: {error}") from error
    artifacts: dict[str, Any] = manifest.get("artifacts", {})
    stacks: dict[str, StackArtifact] = {}
    for artifact_id, artifact in artifacts.items():
        if artifact.get("type") == "cdk:cloud-assembly":
            nested = root / artifact["properties"]["directoryName"]
            for stack in read_assembly(nested, account=account, region=region):
                stacks[stack.artifact_id] = stack
            continue
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties", {})
        template_path = root / properties["templateFile"]
        if not template_path.is_file():
            raise LocalCloudError(f"stack {artifact_id}: template {template_path} not found")
        template = json.loads(template_path.read_text())
        assets: list[FileAsset] = []
        images: list[str] = []
        for dependency in artifact.get("dependencies", []):
            asset_artifact = artifacts.get(dependency, {})
            if asset_artifact.get("type") != "cdk:asset-manifest":
                continue
            asset_manifest = json.loads((root / asset_artifact["properties"]["file"]).read_text())
            for asset_id, asset in asset_manifest.get("files", {}).items():
                source = asset["source"]
                if "path" not in source:
                    message = f"stack {artifact_id}: asset {asset_id} is built by a command"
                    raise LocalCloudError(f"{message}, which the local cloud does not run")
                for destination in asset["destinations"].values():
                    assets.append(
                        FileAsset(
                            display_name=asset.get("displayName", asset_id),
                            source=str(root / source["path"]),
                            packaging=source.get("packaging", "file"),
                            bucket=substitute(destination["bucketName"], account=account, region=region),
                            key=substitute(destination["objectKey"], account=account, region=region),
                        )
                    )
            images.extend(asset_manifest.get("dockerImages", {}))
        dependencies = tuple(
            name
            for name in artifact.get("dependencies", [])
            if artifacts.get(name, {}).get("type") == "aws:cloudformation:stack"
        )
        paths = _logical_id_paths(root, artifact, template)
        stacks[artifact_id] = StackArtifact(
            artifact_id=artifact_id,
            stack_name=properties.get("stackName", artifact_id),
            template=template,
            assets=tuple(assets),
            dependencies=dependencies,
            docker_images=tuple(images),
            paths=paths,
        )
    ordered: list[StackArtifact] = []
    seen: set[str] = set()

    def visit(artifact_id: str) -> None:
        if artifact_id in seen or artifact_id not in stacks:
            return
        seen.add(artifact_id)
        for dependency in stacks[artifact_id].dependencies:
            visit(dependency)
        ordered.append(stacks[artifact_id])

    for artifact_id in stacks:
        visit(artifact_id)
    return ordered


def _logical_id_paths(root: Path, artifact: dict[str, Any], template: dict[str, Any]) -> dict[str, str]:
    """Construct paths by logical id, from the stack's metadata (inline or in its metadata file)."""
    metadata: dict[str, Any] = dict(artifact.get("metadata") or {})
    extra = artifact.get("additionalMetadataFile")
    if extra and (root / extra).is_file():
        metadata.update(json.loads((root / extra).read_text()))
    paths: dict[str, str] = {}
    for path, entries in metadata.items():
        for entry in entries:
            if entry.get("type") == "aws:cdk:logicalId" and isinstance(entry.get("data"), str):
                paths[entry["data"]] = path.lstrip("/")
    for logical_id, resource in template.get("Resources", {}).items():
        recorded = (resource.get("Metadata") or {}).get("aws:cdk:path")
        if isinstance(recorded, str):
            paths.setdefault(logical_id, recorded)
    return paths
