"""The data the pickle verdict rests on: which imports are known, and what they are.

Everything here is a fixed, reviewable list, never a property of the interpreter running the scan
(a scan on Python 3.11 must judge a pickle meant for 3.13 the same way):

- ``STDLIB_MODULES``: every top-level standard-library module of CPython 3.9 to 3.14 on any
  platform, including private and test-only ones (``_pyrepl``, ``_interpreters``, ``test``).
- ``CODE_EXECUTION_MODULES``: modules (standard or not) whose attributes run code, start
  processes, load code or touch files and the network; anything imported from them is critical.
- ``CODE_LOADING_PREFIXES``: dotted prefixes inside otherwise ordinary packages that load or
  compile code (``torch.hub``, ``numpy.f2py``, ...).
- ``SAFE_GLOBALS``: per framework, the globals that rebuild data and run nothing of the file's
  choosing. The PyTorch part follows the list torch's ``weights_only`` loader accepts.
- ``DATA_MODULES``: standard-library modules whose classes and constants are plain data types
  (``collections.abc``, ``datetime``, ``typing``...); their functions are still judged.
"""

from __future__ import annotations


def _names(text: str) -> frozenset[str]:
    """A set of names written as one space-separated block (easier to review than a list)."""
    return frozenset(text.split())

STDLIB_MODULES = _names(
    """
    __future__ _abc _aix_support _android_support _apple_support _ast _asyncio _bisect _blake2 _bootlocale
    _bootsubprocess _bz2 _codecs _codecs_cn _codecs_hk _codecs_iso2022 _codecs_jp _codecs_kr _codecs_tw
    _collections _collections_abc _colorize _compat_pickle _compression _contextvars _crypt _csv _ctypes
    _curses _curses_panel _datetime _dbm _decimal _elementtree _frozen_importlib _frozen_importlib_external
    _functools _gdbm _hashlib _heapq _hmac _imp _interpchannels _interpqueues _interpreters _io _ios_support
    _json _locale _lsprof _lzma _markupbase _md5 _msi _multibytecodec _multiprocessing _opcode
    _opcode_metadata _operator _osx_support _overlapped _peg_parser _pickle _posixshmem _posixsubprocess
    _py_abc _py_warnings _pydatetime _pydecimal _pyio _pylong _pyrepl _queue _random _remote_debugging
    _scproxy _sha1 _sha2 _sha256 _sha3 _sha512 _signal _sitebuiltins _socket _sqlite3 _sre _ssl _stat
    _statistics _string _strptime _struct _suggestions _symtable _sysconfig _testbuffer _testcapi
    _testclinic _testimportmultiple _testinternalcapi _testlimitedcapi _testmultiphase _testsinglephase
    _thread _threading_local _tkinter _tokenize _tracemalloc _types _typing _uuid _warnings _weakref
    _weakrefset _winapi _wmi _xxinterpchannels _xxinterpqueues _xxsubinterpreters _xxtestfuzz _zoneinfo
    _zstd abc aifc annotationlib antigravity argparse array ast asynchat asyncio asyncore atexit audioop
    base64 bdb binascii binhex bisect builtins bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs
    codeop collections colorsys compileall compression concurrent configparser contextlib contextvars copy
    copyreg crypt csv ctypes curses dataclasses datetime dbm decimal difflib dis distutils doctest email
    encodings ensurepip enum errno faulthandler fcntl filecmp fileinput fnmatch formatter fractions ftplib
    functools gc genericpath getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac html http
    idlelib imaplib imghdr imp importlib inspect io ipaddress itertools json keyword lib2to3 linecache
    locale logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder msilib msvcrt
    multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator optparse os ossaudiodev
    parser pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix posixpath pprint
    profile pstats pty pwd py_compile pyclbr pydoc pydoc_data pyexpat queue quopri random re readline
    reprlib resource rlcompleter runpy sched secrets select selectors shelve shlex shutil signal site
    smtpd smtplib sndhdr socket socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat
    statistics string stringprep struct subprocess sunau symbol symtable sys sysconfig syslog tabnanny
    tarfile telnetlib tempfile termios test textwrap this threading time timeit tkinter token tokenize
    tomllib trace traceback tracemalloc tty turtle turtledemo types typing unicodedata unittest urllib uu
    uuid venv warnings wave weakref webbrowser winreg winsound wsgiref xdrlib xml xmlrpc xxlimited
    xxsubtype zipapp zipfile zipimport zlib zoneinfo
    __builtin__ copy_reg exceptions
    """
)

# Any attribute of these runs code, spawns a process, loads code, or reaches files or the network.
CODE_EXECUTION_MODULES = _names(
    """
    os posix nt subprocess _posixsubprocess _winapi _bootsubprocess _osx_support _aix_support sys runpy
    importlib imp zipimport pkgutil pickle _pickle cPickle marshal shelve dbm ctypes _ctypes socket _socket
    ssl _ssl shutil pty tty webbrowser antigravity code codeop pdb bdb cProfile profile _lsprof timeit
    trace tracemalloc pydoc doctest unittest test asyncio multiprocessing _multiprocessing concurrent _thread
    threading signal _signal atexit faulthandler platform tempfile glob io _io _pyio fileinput http urllib
    ftplib smtplib smtpd poplib imaplib nntplib telnetlib socketserver wsgiref xmlrpc mailcap pipes cgi
    cgitb commands popen2 types gc inspect site sysconfig _sysconfig linecache compileall py_compile
    modulefinder ensurepip venv zipapp distutils lib2to3 idlelib tkinter _tkinter turtle turtledemo
    _pyrepl _interpreters _interpqueues _interpchannels _xxsubinterpreters _xxinterpchannels
    _xxinterpqueues _testcapi _testinternalcapi _testlimitedcapi _remote_debugging operator _operator
    functools _functools getpass readline rlcompleter sqlite3 _sqlite3 mmap uuid _uuid
    dill cloudpickle joblib.externals.cloudpickle setuptools pip requests httplib httplib2 aiohttp urllib3
    IPython
    """
)

# Parts of ML packages (or of safe stdlib modules) that load, compile or run code.
CODE_LOADING_PREFIXES = (
    "torch.hub", "torch.jit", "torch.load", "torch.serialization", "torch.utils.cpp_extension",
    "torch._dynamo", "torch._inductor", "torch.package", "torch.distributed", "torch.ops", "torch._C._jit",
    "torch.storage._load_from_bytes", "torch.fx", "torch.compile", "torch.testing", "torch.export",
    "torch.utils.data.datapipes", "torch.multiprocessing", "torch.cuda.nccl", "torch.utils._config_module",
    "torch.utils.bottleneck", "torch.utils.collect_env", "torch._export", "torch._higher_order_ops",
    "numpy.load", "numpy.f2py", "numpy.testing", "numpy.distutils", "numpy.ctypeslib", "numpy.lib.npyio",
    "numpy.lib._npyio_impl", "numpy.lib.format", "numpy.lib._format_impl", "numpy.lib.utils",
    "numpy.lib._utils_impl", "numpy.fromfile", "numpy.memmap", "numpy.save", "numpy.loadtxt",
    "numpy.genfromtxt", "numpy._core._exceptions", "sklearn.utils._testing", "joblib.load",
    "joblib.numpy_pickle.load", "joblib.parallel", "pandas.read_", "pandas.io", "pandas.eval",
    "pandas.core.computation", "keras.models.load_model", "keras.saving", "tensorflow.io",
    "tensorflow.compat.v1.io", "tensorflow.keras.models.load_model", "transformers.pipeline",
    "huggingface_hub", "langchain", "scipy.io", "logging.config", "xml.sax", "xml.dom.pulldom",
    "email.message_from_file", "copyreg.add_extension", "copyreg.pickle", "copyreg.dispatch_table",
)

# The builtins (Python 3 names) that are plain data types or constants.
SAFE_BUILTINS = _names(
    """
    set frozenset list dict tuple bytearray bytes complex slice range int float str bool Ellipsis
    NotImplemented None True False object reversed enumerate zip
    """
)

# Builtin functions that compute on their arguments and call nothing the pickle chose: calling
# them (even through REDUCE) only runs dunder methods of objects the pickle could build anyway.
PURE_BUILTINS = _names(
    """
    len abs min max sum sorted repr ascii hash id isinstance issubclass round ord chr divmod pow bin oct
    hex format all any callable
    """
)

# Builtins that run, import, open or reach arbitrary code or attributes.
DANGEROUS_BUILTINS = _names(
    """
    eval exec execfile compile __import__ getattr setattr delattr hasattr open breakpoint input globals
    locals vars memoryview apply file reload help exit quit print type super classmethod staticmethod
    property dir map filter iter next copyright credits license __build_class__ __loader__ __spec__
    """
)

# Standard-library modules whose classes and constants are plain data: constructing or referencing
# them runs no code of the file's choosing. Their functions are not covered by this.
DATA_MODULES = _names(
    """
    __future__ collections collections.abc _collections_abc numbers typing enum datetime _datetime
    _pydatetime decimal _decimal _pydecimal fractions ipaddress string array zoneinfo _zoneinfo abc
    re _sre pathlib calendar time struct weakref _weakref
    """
)

# Module functions or names that only rebuild data.
_PYTHON = {
    ("collections", "OrderedDict"), ("collections", "defaultdict"), ("collections", "deque"),
    ("collections", "Counter"), ("copyreg", "_reconstructor"),
    ("copyreg", "__newobj__"), ("copyreg", "__newobj_ex__"), ("_codecs", "encode"), ("codecs", "encode"),
    ("re", "_compile"), ("argparse", "Namespace"), ("array", "_array_reconstructor"),
    ("uuid", "UUID"), ("types", "SimpleNamespace"), ("logging", "getLogger"), ("random", "Random"),
    ("_random", "Random"),
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta"),
    ("datetime", "timezone"), ("zoneinfo", "ZoneInfo._unpickle"), ("enum", "_make_class_unpicklable"),
    ("pathlib", "PosixPath"), ("pathlib", "WindowsPath"), ("pathlib", "PurePosixPath"),
    ("pathlib", "PureWindowsPath"), ("pathlib", "Path"), ("decimal", "Decimal"),
    ("fractions", "Fraction"),
} | {
    ("__future__", feature) for feature in (
        "nested_scopes", "generators", "division", "absolute_import", "with_statement", "print_function",
        "unicode_literals", "barry_as_FLUFL", "generator_stop", "annotations", "all_feature_names",
    )
}

# torch's weights_only safe list, the storage and dtype names it rebuilds, and the TorchScript
# helpers its C++ unpickler resolves itself (``torch.jit._pickle``: identity functions on data).
_TORCH_STORAGES = [
    f"{kind}Storage"
    for kind in ("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool",
                 "ComplexFloat", "ComplexDouble", "QInt8", "QUInt8", "QInt32", "QUInt4x2", "QUInt2x4",
                 "Untyped", "Float8_e4m3fn", "Float8_e5m2")
]
_TORCH_DTYPES = _names("""
    float32 float64 float16 bfloat16 int64 int32 int16 int8 uint8 uint16 uint32 uint64 bool complex32
    complex64 complex128 float double half long int short cfloat cdouble chalf qint8 quint8 qint32
    quint4x2 quint2x4 float8_e4m3fn float8_e5m2 float8_e4m3fnuz float8_e5m2fnuz bits8 bits16
    strided sparse_coo sparse_csr sparse_csc sparse_bsr sparse_bsc _mkldnn contiguous_format channels_last
    channels_last_3d preserve_format per_tensor_affine per_channel_affine per_tensor_symmetric
    per_channel_symmetric per_channel_affine_float_qparams
""")
_TORCH = {
    ("torch", name) for name in (*_TORCH_STORAGES, *_TORCH_DTYPES)
} | {
    ("torch._utils", name) for name in (
        "_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3", "_rebuild_parameter",
        "_rebuild_parameter_with_state", "_rebuild_sparse_tensor", "_rebuild_sparse_csr_tensor",
        "_rebuild_qtensor", "_rebuild_meta_tensor_no_storage", "_rebuild_wrapper_subclass",
        "_rebuild_nested_tensor", "_rebuild_device_tensor_from_numpy", "_rebuild_device_tensor_from_cpu_tensor",
        "_rebuild_xla_tensor", "_rebuild_mps_tensor",
    )
} | {
    ("torch.jit._pickle", name) for name in (
        "build_intlist", "build_tensorlist", "build_doublelist", "build_boollist", "build_tensor_from_id",
        "restore_type_tag",
    )
} | {
    ("torch._tensor", "_rebuild_from_type_v2"), ("torch._tensor", "_rebuild_from_type"), ("torch", "Size"),
    ("torch", "device"), ("torch", "Tensor"), ("torch", "layout"), ("torch", "memory_format"), ("torch", "dtype"),
    ("torch", "qscheme"), ("torch", "finfo"), ("torch", "iinfo"), ("torch.nn.parameter", "Parameter"),
    ("torch.nn.parameter", "Buffer"), ("torch.nn.parameter", "UninitializedParameter"),
    ("torch.serialization", "_get_layout"), ("torch.storage", "TypedStorage"),
    ("torch.storage", "UntypedStorage"), ("torch", "TypedStorage"), ("torch", "UntypedStorage"),
    ("torch.storage", "_StorageBase"), ("torch._C", "_nn.gelu"), ("torch", "_C._nn.gelu"),
    ("torch.distributions.constraints", "_Real"), ("torch._utils", "_rebuild_tensor_v2_"),
}
# Tensor math referenced as an activation or loss attribute by full-model saves.
_TORCH_FUNCTIONAL = _names(
    """
    relu relu6 gelu silu elu selu celu leaky_relu sigmoid tanh softmax log_softmax softplus softsign
    hardtanh hardswish hardsigmoid mish glu logsigmoid tanhshrink softshrink hardshrink prelu dropout
    mse_loss cross_entropy nll_loss binary_cross_entropy binary_cross_entropy_with_logits l1_loss
    smooth_l1_loss huber_loss kl_div normalize linear
    """
)
_TORCH |= {(m, f) for m in ("torch", "torch.nn.functional", "torch._C._nn") for f in _TORCH_FUNCTIONAL}

_NUMPY = {
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy", "core.multiarray._reconstruct"),
    ("numpy.ma.core", "_mareconstruct"), ("numpy.ma.core", "MaskedArray"),
    ("numpy.random._pickle", "__randomstate_ctor"), ("numpy.random._pickle", "__generator_ctor"),
    ("numpy.random._pickle", "__bit_generator_ctor"), ("numpy.random", "__RandomState_ctor"),
} | {
    (f"numpy.{core}.{mod}", name)
    for core in ("core", "_core")
    for mod, name in (("multiarray", "_reconstruct"), ("multiarray", "scalar"), ("numeric", "_frombuffer"),
                      ("_multiarray_umath", "_reconstruct"))
}
_JOBLIB = {
    ("joblib.numpy_pickle", "NumpyArrayWrapper"), ("joblib.numpy_pickle", "NDArrayWrapper"),
    ("joblib.numpy_pickle_compat", "NDArrayWrapper"), ("joblib.numpy_pickle_compat", "ZNDArrayWrapper"),
    ("sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper"),
}
_PANDAS_SCIPY = {
    ("pandas.core.frame", "DataFrame"), ("pandas.core.series", "Series"),
    ("pandas.core.internals.managers", "BlockManager"), ("pandas.core.indexes.base", "Index"),
    ("pandas.core.indexes.base", "_new_Index"), ("pandas._libs.internals", "_unpickle_block"),
    ("pandas.core.indexes.range", "RangeIndex"), ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
    ("pandas.core.internals.blocks", "new_block"), ("pandas._libs.tslibs.timestamps", "_unpickle_timestamp"),
    ("scipy.sparse._csr", "csr_matrix"), ("scipy.sparse._csc", "csc_matrix"), ("scipy.sparse._coo", "coo_matrix"),
    ("pandas.core.internals.managers", "SingleBlockManager"),
} | {
    # pandas 3 names its containers by their public paths.
    ("pandas", name) for name in ("DataFrame", "Series", "Index", "RangeIndex", "MultiIndex", "DatetimeIndex",
                                  "Categorical", "CategoricalDtype", "StringDtype", "Timestamp", "Timedelta")
} | {
    ("pandas.arrays", name) for name in ("StringArray", "DatetimeArray", "TimedeltaArray", "IntegerArray",
                                         "FloatingArray", "BooleanArray", "ArrowStringArray")
}

SAFE_GLOBALS: dict[str, frozenset[tuple[str, str]]] = {
    "python": frozenset(_PYTHON),
    "torch": frozenset(_TORCH),
    "numpy": frozenset(_NUMPY),
    "joblib": frozenset(_JOBLIB),
    "pandas/scipy": frozenset(_PANDAS_SCIPY),
}
ALL_SAFE_GLOBALS = frozenset().union(*SAFE_GLOBALS.values())

# Packages whose estimator or layer classes are plain containers when unpickled.
SAFE_CLASS_PREFIXES = ("sklearn.", "torch.nn.modules.", "xgboost.sklearn.", "lightgbm.sklearn.", "lightgbm.basic.")

# Third-party ML packages: their unknown classes import library code (medium); torch's unknown
# callables are judged strictly (see verdict.py).
ML_PACKAGES = _names(
    """
    torch numpy sklearn scipy pandas joblib transformers tokenizers xgboost lightgbm catboost keras
    tensorflow sentencepiece timm torchvision torchaudio safetensors accelerate peft diffusers jax flax
    """
)
