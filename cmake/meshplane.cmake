# Build helpers, in the manner of absl_cc_library and LevelDB's leveldb_test().
include_guard(GLOBAL)

# Warnings for our own targets only; generated code is built without them.
set(MESHPLANE_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)

# meshplane_cc_library(NAME foo SRCS a.cc b.cc DEPS x y [PUBLIC_DEPS z])
# defines meshplane_foo. Its users see include/ (public headers); src/
# (private headers, by their path under src/) is the module's own.
function(meshplane_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PUBLIC_DEPS" ${ARGN})
  set(target meshplane_${ARG_NAME})
  add_library(${target} STATIC ${ARG_SRCS})
  target_include_directories(${target}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${target} PRIVATE ${MESHPLANE_WARNINGS})
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_DEPS})
endfunction()

# meshplane_cc_binary(NAME meshplaned SRCS main.cc DEPS ...)
function(meshplane_cc_binary)
  cmake_parse_arguments(ARG "" "NAME;OUTPUT_NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE
    ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${ARG_NAME} PRIVATE ${MESHPLANE_WARNINGS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  if(ARG_OUTPUT_NAME)
    set_target_properties(${ARG_NAME} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT_NAME})
  endif()
endfunction()

# meshplane_cc_test(NAME foo_test SRCS foo_test.cc DEPS ... LABELS unit
#                   [ENV K=V ...] [TIMEOUT s])
# One ctest entry per test binary: a binary's tests share one fixture (for
# _pgtest binaries, one private PostgreSQL), which is far cheaper than one
# process per test case.
function(meshplane_cc_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS;ENV" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE
    ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src
    ${PROJECT_SOURCE_DIR})
  target_compile_options(${ARG_NAME} PRIVATE ${MESHPLANE_WARNINGS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}"
    TIMEOUT ${ARG_TIMEOUT})
  if(ARG_ENV)
    set_tests_properties(${ARG_NAME} PROPERTIES ENVIRONMENT "${ARG_ENV}")
  endif()
endfunction()
