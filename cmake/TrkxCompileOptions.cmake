# Warning and optimisation flags shared by every trkx target.
add_library(trkx_compile_options INTERFACE)
target_compile_options(trkx_compile_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
# GCC 12 at -O3 reports false -Wrestrict warnings inside libstdc++'s
# std::string (GCC bug 105329) on ordinary string concatenation.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(trkx_compile_options INTERFACE -Wno-restrict)
endif()
if(TRKX_WARNINGS_AS_ERRORS)
  target_compile_options(trkx_compile_options INTERFACE -Werror)
endif()
if(TRKX_NATIVE)
  target_compile_options(trkx_compile_options INTERFACE -march=native)
endif()
install(TARGETS trkx_compile_options EXPORT trkxTargets)

# trkx_add_library(NAME SOURCES ... DEPS ...): a library `trkx_NAME` with the
# alias `trkx::NAME`, public headers under include/trkx/NAME.
function(trkx_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(trkx_${name} ${ARG_SOURCES})
  add_library(trkx::${name} ALIAS trkx_${name})
  set_target_properties(trkx_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME trkx_${name})
  target_include_directories(trkx_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(trkx_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE trkx_compile_options ${ARG_PRIVATE_DEPS})
  set_property(GLOBAL APPEND PROPERTY TRKX_LIBRARIES trkx_${name})
endfunction()
