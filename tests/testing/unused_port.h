// A free TCP port on loopback, for a server a test starts.
#ifndef MESHPLANE_TESTS_TESTING_UNUSED_PORT_H_
#define MESHPLANE_TESTS_TESTING_UNUSED_PORT_H_

#include <cstdio>
#include <cstdlib>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace meshplane::testing {

// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
// Another process can take it before the caller binds it: a caller that
// can retry should. Aborts the test binary when no socket can be bound.
inline int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd < 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("cannot find an unused port on 127.0.0.1");
    std::abort();
  }
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_UNUSED_PORT_H_
