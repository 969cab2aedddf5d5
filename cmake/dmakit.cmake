# Shared build settings and helpers for dmakit's layers.

add_library(dmakit_warnings INTERFACE)
target_compile_options(dmakit_warnings INTERFACE -Wall -Wextra -Wshadow
                                                 -Wnon-virtual-dtor -Wimplicit-fallthrough)
if(DMAKIT_WERROR)
  target_compile_options(dmakit_warnings INTERFACE -Werror)
endif()

if(DMAKIT_SANITIZE)
  add_compile_options(-fsanitize=${DMAKIT_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${DMAKIT_SANITIZE})
endif()

# dmakit_test_settings(TARGET): how test code is compiled.
#   - Test bodies (gtest's macros expand to a lot of code) are compiled with less optimization
#     than the libraries they test, which keep the build's flags: at -O1 with line tables in
#     optimized builds (about half the compile time of -O2 -g), at -O0 in debug builds (the
#     sanitizer presets build their libraries at -O1).
#   - With clang, the headers every test includes are precompiled. Parsing gtest, gmock,
#     rapidcheck and fmt is about a third of each test file's compile under clang (the
#     sanitizer builds). GCC 12 gains less from it, and with a precompiled header its
#     -Warray-bounds misfires inside libstdc++ on ordinary std::string concatenation, so the
#     GCC build compiles tests without one.
function(dmakit_test_settings target)
  target_compile_options(${target} PRIVATE "$<$<CONFIG:Release,RelWithDebInfo>:-O1;-g1>"
                                            "$<$<CONFIG:Debug>:-O0>")
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_precompile_headers(${target} PRIVATE <gtest/gtest.h> <gmock/gmock.h> <rapidcheck.h>
                              <rapidcheck/gtest.h> <fmt/format.h> <memory> <string> <vector>)
  endif()
endfunction()

# dmakit_layer(NAME DEPS ...): the layer's library is every .cc in src/NAME that is not a test;
# its tests are every *_test.cc there, plus the helpers several tests share in src/NAME/testing/
# (compiled once), in one GoogleTest binary (dmakit_NAME_tests) with each test registered in
# CTest. Globbing lets a new concept be added as a file pair without touching CMake.
function(dmakit_layer name)
  cmake_parse_arguments(ARG "" "" "DEPS;TEST_DEPS" ${ARGN})
  file(GLOB all_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  set(lib_sources)
  file(GLOB test_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/testing/*.cc)
  foreach(f ${all_sources})
    if(f MATCHES "_test\\.cc$")
      list(APPEND test_sources ${f})
    else()
      list(APPEND lib_sources ${f})
    endif()
  endforeach()
  if(NOT lib_sources)
    return()  # a layer not written yet
  endif()
  add_library(dmakit_${name} STATIC ${lib_sources})
  add_library(dmakit::${name} ALIAS dmakit_${name})
  target_include_directories(dmakit_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                            PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(dmakit_${name} PUBLIC ${ARG_DEPS} PRIVATE dmakit_warnings)
  if(DMAKIT_BUILD_FUZZ)  # libFuzzer's coverage feedback comes from the code under test
    target_compile_options(dmakit_${name} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
  if(DMAKIT_BUILD_TESTS AND test_sources)
    add_executable(dmakit_${name}_tests ${test_sources})
    target_include_directories(dmakit_${name}_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(dmakit_${name}_tests PRIVATE dmakit_${name} ${ARG_TEST_DEPS}
                          GTest::gtest GTest::gmock GTest::gtest_main rapidcheck dmakit_warnings)
    dmakit_test_settings(dmakit_${name}_tests)
    gtest_discover_tests(dmakit_${name}_tests DISCOVERY_TIMEOUT 120
                         PROPERTIES TIMEOUT 600 LABELS ${name})
  endif()
endfunction()

# dmakit_add_bench(NAME SOURCES... DEPS ...): one Google Benchmark program.
function(dmakit_add_bench name)
  if(NOT DMAKIT_BUILD_BENCH)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark dmakit_warnings)
endfunction()
