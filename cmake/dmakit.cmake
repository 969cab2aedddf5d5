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

# dmakit_add_layer(NAME SOURCES... DEPS ...): one static library per layer.
function(dmakit_add_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(dmakit_${name} STATIC ${ARG_SOURCES})
  add_library(dmakit::${name} ALIAS dmakit_${name})
  target_include_directories(dmakit_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                            PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(dmakit_${name} PUBLIC ${ARG_DEPS} PRIVATE dmakit_warnings)
endfunction()

# dmakit_add_tests(NAME SOURCES... DEPS ...): one GoogleTest binary per layer, each test
# registered with CTest.
function(dmakit_add_tests name)
  if(NOT DMAKIT_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main
                                        rapidcheck dmakit_warnings)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
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
