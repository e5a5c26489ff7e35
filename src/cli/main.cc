// meshplane: the command-line client of meshplaned.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/app.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  meshplane::cli::Environment env;
  if (const char* addr = std::getenv("MESHPLANE_ADDR")) {
    env.addr = addr;
  }
  if (const char* token = std::getenv("MESHPLANE_TOKEN")) {
    env.token = token;
  }
  if (const char* tls = std::getenv("MESHPLANE_TLS")) {
    env.tls = tls;
  }
  if (const char* ca_file = std::getenv("MESHPLANE_CA_FILE")) {
    env.ca_file = ca_file;
  }
  if (const char* cert_file = std::getenv("MESHPLANE_CERT_FILE")) {
    env.cert_file = cert_file;
  }
  if (const char* key_file = std::getenv("MESHPLANE_KEY_FILE")) {
    env.key_file = key_file;
  }
  int code = meshplane::cli::RunCli(args, env, std::cout, std::cerr);
  std::cout.flush();
  return code;
}
