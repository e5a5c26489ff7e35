// Keyset pagination, shared by every list of the store (store.h).
#ifndef MESHPLANE_STORE_PAGE_H_
#define MESHPLANE_STORE_PAGE_H_

#include <string>
#include <vector>

namespace meshplane::store {

// Keyset pagination: `after` is the opaque cursor returned with the previous
// page ("" for the first page); `limit` >= 1.
struct PageRequest {
  std::string after;
  int limit = 50;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next;  // "" when there is no further page
};

}  // namespace meshplane::store

#endif  // MESHPLANE_STORE_PAGE_H_
