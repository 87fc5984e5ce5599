# The consumer test (ctest: consumer_find_package): installs the built wampbox
# into a temporary prefix, then configures, builds and runs tests/consumer/
# against it with find_package(wampbox), seeing only the core's packages:
#   - pkg-config sees only libsodium.pc (a directory holding just that file
#     is PKG_CONFIG_LIBDIR), the one pkg-config package the core needs;
#   - the installed package files must name none of the optional backends;
#   - the consumer program must load none of their libraries
#     (check_core_only.cmake).
# When the build installed the optional component ppt_ext, a second program
# is configured with find_package(wampbox COMPONENTS ppt_ext), seeing
# libsodium.pc and nettle.pc only, built and run.
#   cmake -DBUILD_DIR=<wampbox build> -DWORK_DIR=<scratch> -DGENERATOR=<gen>
#         [-DCXX=<compiler>] [-DLAUNCHER=<ccache>] -P run_consumer.cmake
get_filename_component(_here "${CMAKE_CURRENT_LIST_FILE}" DIRECTORY)
set(_prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    string(REPLACE ";" " " _cmd "${ARGN}")
    message(FATAL_ERROR "consumer: `${_cmd}` failed (${_rc}):\n${_out}\n${_err}")
  endif()
  set(_out "${_out}" PARENT_SCOPE)
endfunction()

# pc_file(<module> <var> [<context>...]): <var> = the path of <module>.pc that pkg-config finds; FATAL_ERROR
# (with <context>) when it finds none.
function(pc_file module var)
  execute_process(COMMAND pkg-config --variable=pcfiledir ${module} OUTPUT_VARIABLE _dir
                  OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0 OR NOT EXISTS "${_dir}/${module}.pc")
    message(FATAL_ERROR "consumer: ${ARGN}pkg-config does not find ${module}.pc")
  endif()
  set(${var} "${_dir}/${module}.pc" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${_prefix}")

# The exported targets and config must not mention a backend library.
file(GLOB_RECURSE _pkg_files "${_prefix}/*/cmake/wampbox/*.cmake")
if(NOT _pkg_files)
  message(FATAL_ERROR "consumer: no package files installed under ${_prefix}")
endif()
foreach(f ${_pkg_files})
  file(READ "${f}" _text)
  string(TOLOWER "${_text}" _text)
  if(_text MATCHES "(crypto\\+\\+|cryptopp|botan|nacl|backend)")
    message(FATAL_ERROR "consumer: ${f} names an optional backend (${CMAKE_MATCH_1})")
  endif()
endforeach()

# pkg-config: libsodium only.
pc_file(libsodium _sodium_pc)
file(MAKE_DIRECTORY "${WORK_DIR}/pkgconfig")
file(COPY "${_sodium_pc}" DESTINATION "${WORK_DIR}/pkgconfig")

set(_args -S "${_here}" -B "${WORK_DIR}/build" -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${_prefix}"
          -DCMAKE_BUILD_TYPE=Release)
if(CXX)
  list(APPEND _args "-DCMAKE_CXX_COMPILER=${CXX}")
endif()
if(LAUNCHER)
  list(APPEND _args "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
endif()
run(${CMAKE_COMMAND} -E env "PKG_CONFIG_LIBDIR=${WORK_DIR}/pkgconfig" "PKG_CONFIG_PATH=" ${CMAKE_COMMAND} ${_args})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")

set(_exe "${WORK_DIR}/build/wampbox_consumer")
run(${CMAKE_COMMAND} -DFILE=${_exe} -P "${_here}/check_core_only.cmake")
run("${_exe}")
message(STATUS "${_out}")

# The optional component ppt_ext, when this build installed it.
set(_ppt_files ${_pkg_files})
list(FILTER _ppt_files INCLUDE REGEX "wampboxPptExtTargets\\.cmake$")
if(_ppt_files)
  pc_file(nettle _nettle_pc "ppt_ext is installed but ")
  file(MAKE_DIRECTORY "${WORK_DIR}/pkgconfig-ppt-ext")
  file(COPY "${_sodium_pc}" "${_nettle_pc}" DESTINATION "${WORK_DIR}/pkgconfig-ppt-ext")
  set(_args_ppt ${_args})
  list(REMOVE_AT _args_ppt 2 3)  # -B <dir>
  list(INSERT _args_ppt 2 -B "${WORK_DIR}/build-ppt-ext")
  run(${CMAKE_COMMAND} -E env "PKG_CONFIG_LIBDIR=${WORK_DIR}/pkgconfig-ppt-ext" "PKG_CONFIG_PATH="
      ${CMAKE_COMMAND} ${_args_ppt} -DWAMPBOX_CONSUMER_PPT_EXT=ON)
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/build-ppt-ext")
  run("${WORK_DIR}/build-ppt-ext/wampbox_consumer_ppt_ext")
  message(STATUS "${_out}")
else()
  message(STATUS "consumer: this build installed no ppt_ext component; its consumer is not run")
endif()
