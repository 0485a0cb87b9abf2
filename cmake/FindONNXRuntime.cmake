# Finds the ONNX Runtime C/C++ SDK and defines ONNXRuntime::ONNXRuntime.
#
# Search order: -DONNXRUNTIME_ROOT=<prefix> (an official release tarball or
# any prefix with include/ and lib/), the project bootstrap prefix
# (<repo>/.deps/onnxruntime, or $TRKX_DEPS/onnxruntime), then the system
# (Debian 13 / Ubuntu 24.04 `libonnxruntime-dev`, headers in
# include/onnxruntime).
set(_ort_hints)
if(ONNXRUNTIME_ROOT)
  list(APPEND _ort_hints ${ONNXRUNTIME_ROOT})
endif()
if(DEFINED ENV{ONNXRUNTIME_ROOT})
  list(APPEND _ort_hints $ENV{ONNXRUNTIME_ROOT})
endif()
if(DEFINED ENV{TRKX_DEPS})
  list(APPEND _ort_hints $ENV{TRKX_DEPS}/onnxruntime)
endif()
list(APPEND _ort_hints ${CMAKE_CURRENT_LIST_DIR}/../.deps/onnxruntime)

find_path(ONNXRuntime_INCLUDE_DIR onnxruntime_cxx_api.h
  HINTS ${_ort_hints}
  PATH_SUFFIXES include include/onnxruntime include/onnxruntime/core/session)
find_library(ONNXRuntime_LIBRARY NAMES onnxruntime
  HINTS ${_ort_hints}
  PATH_SUFFIXES lib lib64)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ONNXRuntime
  REQUIRED_VARS ONNXRuntime_LIBRARY ONNXRuntime_INCLUDE_DIR)

if(ONNXRuntime_FOUND AND NOT TARGET ONNXRuntime::ONNXRuntime)
  add_library(ONNXRuntime::ONNXRuntime SHARED IMPORTED)
  set_target_properties(ONNXRuntime::ONNXRuntime PROPERTIES
    IMPORTED_LOCATION ${ONNXRuntime_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${ONNXRuntime_INCLUDE_DIR})
endif()
mark_as_advanced(ONNXRuntime_INCLUDE_DIR ONNXRuntime_LIBRARY)
if(ONNXRuntime_FOUND)
  get_filename_component(TRKX_ONNXRUNTIME_LIBDIR "${ONNXRuntime_LIBRARY}" DIRECTORY)
endif()
