"""Formats beside pickles: TensorFlow SavedModel and Keras metadata, numpy header variants."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from auditor.collectors.base import CollectionSink
from auditor.collectors.files import FilesCollector, sniff
from auditor.collectors.files.models import Scanner, protobuf_leaves
from auditor.resources import ModelArtifact

from . import hostile


def collect(path: Path) -> dict[str, ModelArtifact]:
    sink = CollectionSink()
    FilesCollector([path]).collect(sink)
    return {r.ref.id: r for r in sink.resources if isinstance(r, ModelArtifact)}


def layer(class_name: str, **config: object) -> str:
    return json.dumps({"class_name": class_name, "name": class_name.lower(), "config": config})


# -- issue 13 item 3: SavedModel ------------------------------------------------------------
def test_saved_model_is_recognised_and_lambda_layers_are_read(tmp_path: Path) -> None:
    benign = tmp_path / "benign"
    (benign / "variables").mkdir(parents=True)
    (benign / "saved_model.pb").write_bytes(hostile.saved_model(["Placeholder", "MatMul", "SaveV2", "RestoreV2"],
                                                                 [layer("Dense", units=4)]))
    (benign / "keras_metadata.pb").write_bytes(hostile.keras_metadata([layer("InputLayer"), layer("Dense", units=4)]))
    (benign / "variables" / "variables.index").write_bytes(b"\0" * 16)
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "saved_model.pb").write_bytes(hostile.saved_model(["Placeholder", "ReadFile"], [layer("Lambda", function="x")]))
    (evil / "keras_metadata.pb").write_bytes(hostile.keras_metadata([layer("Dense"), layer("Lambda", function=["4wEAAA", None, None])]))
    (tmp_path / "control.pkl").write_bytes(hostile.payload())
    # A SavedModel starts like an ONNX model (field 1 varint, field 2 bytes): the name decides.
    head = (benign / "saved_model.pb").read_bytes()
    assert sniff.sniff(head) == sniff.ONNX and sniff.sniff(head, "saved_model.pb") == sniff.SAVED_MODEL

    found = collect(tmp_path)
    assert found["control.pkl"].code_execution is True
    for name in ("benign/saved_model.pb", "benign/keras_metadata.pb"):
        model = found[name]
        assert (model.format, model.code_execution, model.scan_error, model.findings) == ("tf_saved_model", False, None, [])
    assert "benign/variables/variables.index" not in found
    meta = found["evil/keras_metadata.pb"]
    assert meta.code_execution is True and [i.reference for i in meta.findings] == ["keras Lambda layer"]
    graph = found["evil/saved_model.pb"]
    assert graph.code_execution is True
    assert {i.reference for i in graph.findings} == {"keras Lambda layer", "tensorflow op ReadFile"}


def test_protobuf_walk_keeps_json_whole_and_refuses_garbage() -> None:
    meta = layer("Lambda", function="x")
    leaves = list(protobuf_leaves(hostile.keras_metadata([meta])))
    assert meta.encode() in leaves and b"_tf_keras_layer" in leaves
    scan = Scanner().scan_file(io.BytesIO(b"\x0f\xff\xff"), 3, sniff.SAVED_MODEL)
    assert scan.code_execution is None and "not a protobuf" in scan.errors[0]


# -- issue 13 item 8: benign numpy variants ---------------------------------------------------
def npy(header: str, data: bytes, version: int = 1) -> bytes:
    text = header.encode("latin-1")
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY" + bytes([version, 0]) + len(text).to_bytes(2, "little") + text + data


@pytest.mark.parametrize(("header", "data"), [
    # Python 2 wrote shapes with long-integer suffixes (numpy's win64python2.npy has this form).
    ("{'descr': '<i8', 'fortran_order': True, 'shape': (2L, 5L), }", b"\0" * 80),
    ("{'descr': [('x', '<i4'), ('y', '<f8'), ('Obs', '|S3')], 'fortran_order': False, 'shape': (2,), }", b"\0" * 30),
    ("{'descr': [('pos', '<f4', (3,)), ('', '|V4'), ('t', [('a', '<u2'), ('b', '|u1')])], 'fortran_order': False, "
     "'shape': (1,), }", b"\0" * 19),
    ("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (3,), }", b"\0" * 24),
])
def test_benign_numpy_variants_load_without_error(tmp_path: Path, header: str, data: bytes) -> None:
    (tmp_path / "array.npy").write_bytes(npy(header, data))
    (tmp_path / "control.pkl").write_bytes(hostile.payload())
    found = collect(tmp_path)
    assert found["control.pkl"].code_execution is True
    array = found["array.npy"]
    assert (array.code_execution, array.scan_error, array.pickle_based) == (False, None, False)


def test_real_numpy_structured_and_object_fields(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    buf = io.BytesIO()
    np.save(buf, np.zeros(3, dtype=[("Obs", "<i4"), ("w", "<f8", (2,))]))
    (tmp_path / "structured.npy").write_bytes(buf.getvalue())
    buf = io.BytesIO()
    np.save(buf, np.array([(1, None)], dtype=[("n", "<i4"), ("o", "O")]), allow_pickle=True)
    (tmp_path / "object-field.npy").write_bytes(buf.getvalue())
    found = collect(tmp_path)
    assert (found["structured.npy"].code_execution, found["structured.npy"].scan_error) == (False, None)
    assert found["object-field.npy"].pickle_based is True


# -- PyTorch's oldest format: a tar whose members torch.load unpickles -------------------------
def tar_of(members: dict[str, bytes]) -> bytes:
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_legacy_torch_tar_is_read_as_torch_load_reads_it(tmp_path: Path) -> None:
    import gzip
    import pickle

    (tmp_path / "control.pkl").write_bytes(hostile.payload())
    (tmp_path / "legacy.tar").write_bytes(tar_of({"sys_info": pickle.dumps({"little_endian": True}, 2),
                                                  "pickle": hostile.payload(), "storages": pickle.dumps(0, 2)}))
    (tmp_path / "clean.tar").write_bytes(tar_of({"sys_info": pickle.dumps({"little_endian": True}, 2),
                                                 "pickle": pickle.dumps({"w": [1.0]}, 2)}))
    (tmp_path / "sources.tar").write_bytes(tar_of({"README.md": b"# project\n", "src/main.py": b"print(1)\n"}))
    (tmp_path / "backup.tar.gz").write_bytes(gzip.compress(tar_of({"notes.txt": b"text\n"})))
    found = collect(tmp_path)
    assert found["control.pkl"].code_execution is True
    assert (found["legacy.tar"].format, found["legacy.tar"].code_execution) == ("pytorch_tar", True)
    assert (found["clean.tar"].format, found["clean.tar"].code_execution, found["clean.tar"].scan_error) == ("pytorch_tar", False, None)
    assert "sources.tar" not in found and "backup.tar.gz" not in found


def test_hdf5_keras_lambda_is_read_in_a_bounded_child(tmp_path: Path) -> None:
    """libhdf5 can loop on corrupted files: the attribute is read by a child process with a time
    limit, and a Lambda layer in a legacy Keras .h5 model_config is still found."""
    import json as _json

    import h5py

    config = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAAAAAA", None, None]}}]}}
    path = tmp_path / "model.h5"
    with h5py.File(path, "w") as h5:
        h5.attrs["model_config"] = _json.dumps(config)
    (tmp_path / "not-hdf5.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\xff" * 512)
    sink = CollectionSink()
    FilesCollector([str(tmp_path)]).collect(sink)
    found = {r.ref.name: r for r in sink.resources if isinstance(r, ModelArtifact)}
    assert found["model.h5"].code_execution is True
    assert any("Lambda" in i.reference for i in found["model.h5"].findings)
    assert found["not-hdf5.h5"].code_execution is None and "HDF5" in (found["not-hdf5.h5"].scan_error or "")
