# Install rules and the exported CMake package: downstream projects use
#   find_package(trkx REQUIRED)
#   target_link_libraries(app PRIVATE trkx::pipeline)
include(CMakePackageConfigHelpers)

get_property(_trkx_libs GLOBAL PROPERTY TRKX_LIBRARIES)
install(TARGETS ${_trkx_libs} EXPORT trkxTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS trkx RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/trkx DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/trkx)
install(EXPORT trkxTargets NAMESPACE trkx:: DESTINATION ${_cmake_dir})
# Where ONNX Runtime was found at build time, so that the installed package
# finds the same SDK.
get_filename_component(TRKX_ONNXRUNTIME_HINT "${ONNXRuntime_LIBRARY}" DIRECTORY)
get_filename_component(TRKX_ONNXRUNTIME_HINT "${TRKX_ONNXRUNTIME_HINT}" DIRECTORY)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/trkxConfig.cmake.in
  ${PROJECT_BINARY_DIR}/trkxConfig.cmake INSTALL_DESTINATION ${_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/trkxConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/trkxConfig.cmake ${PROJECT_BINARY_DIR}/trkxConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindONNXRuntime.cmake DESTINATION ${_cmake_dir})
