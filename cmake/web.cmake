# The web catalog (web/): built by npm at build time into hashed static
# files, then embedded in meshplaned as a generated C++ source
# (src/server/http/web_assets.h). `npm ci` runs only when web/package-lock.json
# differs from the one installed (web/node_modules/.meshplane-lock); the
# bundle is rebuilt only when a file under web/src, the build script or the
# lock changes. With MESHPLANE_WEB=OFF the binary serves no catalog.
option(MESHPLANE_WEB "Build the web catalog into meshplaned (needs node and npm)" ON)

# meshplane_web_assets(<var>): sets <var> to the generated source to compile.
function(meshplane_web_assets out_var)
  set(gen "${CMAKE_CURRENT_BINARY_DIR}/web_assets_data.cc")
  if(NOT MESHPLANE_WEB)
    file(WRITE "${gen}.tmp"
      "// MESHPLANE_WEB=OFF: no web catalog.\n"
      "#include \"server/http/web_assets.h\"\n"
      "namespace meshplane::server::http {\n"
      "const std::vector<WebAsset>& EmbeddedWebAssets() {\n"
      "  static const std::vector<WebAsset> kNone;\n  return kNone;\n}\n"
      "}  // namespace meshplane::server::http\n")
    file(COPY_FILE "${gen}.tmp" "${gen}" ONLY_IF_DIFFERENT)
    set(${out_var} "${gen}" PARENT_SCOPE)
    return()
  endif()
  find_program(MESHPLANE_NODE node)
  find_program(MESHPLANE_NPM npm)
  if(NOT MESHPLANE_NODE OR NOT MESHPLANE_NPM)
    message(FATAL_ERROR "the web catalog needs node and npm: install the "
      "Debian packages nodejs and npm (scripts/common.sh does), or configure "
      "with -DMESHPLANE_WEB=OFF for a server without it")
  endif()
  set(web "${PROJECT_SOURCE_DIR}/web")
  file(GLOB_RECURSE web_sources CONFIGURE_DEPENDS "${web}/src/*")
  set(installed "${CMAKE_CURRENT_BINARY_DIR}/web_npm_ci.stamp")
  add_custom_command(OUTPUT "${installed}"
    COMMAND sh -c "cmp -s package-lock.json node_modules/.meshplane-lock || { PUPPETEER_SKIP_DOWNLOAD=1 '${MESHPLANE_NPM}' ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.meshplane-lock; }"
    COMMAND "${CMAKE_COMMAND}" -E touch "${installed}"
    DEPENDS "${web}/package.json" "${web}/package-lock.json"
    WORKING_DIRECTORY "${web}"
    COMMENT "Installing the web catalog's npm packages (web/package-lock.json)"
    VERBATIM)
  add_custom_command(OUTPUT "${gen}"
    COMMAND "${MESHPLANE_NODE}" build.mjs
            --outdir "${CMAKE_CURRENT_BINARY_DIR}/web" --cc "${gen}"
    DEPENDS "${installed}" ${web_sources} "${web}/build.mjs"
    WORKING_DIRECTORY "${web}"
    COMMENT "Building the web catalog (web/) and embedding it"
    VERBATIM)
  set(${out_var} "${gen}" PARENT_SCOPE)
endfunction()
