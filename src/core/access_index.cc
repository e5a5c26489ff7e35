#include "meshplane/core/access_index.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

#include "meshplane/model/resource_name.h"

namespace meshplane::core {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

uint8_t ActionBits(const std::vector<std::string>& actions) {
  uint8_t bits = 0;
  for (const auto& a : actions) {
    if (a == "read") bits |= 1;
    if (a == "write") bits |= 2;
  }
  return bits;
}

uint8_t ActionBit(absl::string_view action) {
  if (action == "read") return 1;
  if (action == "write") return 2;
  return 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A canonical UUID (8-4-4-4-12 lowercase hex) as 128 bits.
bool ParseUuid(absl::string_view s, absl::uint128* out) {
  if (s.size() != 36) return false;
  uint64_t hi = 0;
  uint64_t lo = 0;
  int digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
      continue;
    }
    int v = HexValue(s[i]);
    if (v < 0) return false;
    if (digits < 16) {
      hi = (hi << 4) | static_cast<uint64_t>(v);
    } else {
      lo = (lo << 4) | static_cast<uint64_t>(v);
    }
    ++digits;
  }
  *out = absl::MakeUint128(hi, lo);
  return true;
}

std::string FormatUuid(absl::uint128 id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  uint64_t parts[2] = {absl::Uint128High64(id), absl::Uint128Low64(id)};
  int digit = 0;
  for (uint64_t part : parts) {
    for (int shift = 60; shift >= 0; shift -= 4) {
      if (digit == 8 || digit == 12 || digit == 16 || digit == 20) {
        out.push_back('-');
      }
      out.push_back(kHex[(part >> shift) & 0xf]);
      ++digit;
    }
  }
  return out;
}

uint64_t Key(uint32_t port, uint32_t consumer) {
  return (static_cast<uint64_t>(port) << 32) | consumer;
}

}  // namespace

// Strings are interned once (principals and port names to dense ids), so
// that grant records and table keys are fixed-size integers.
struct AccessIndex::State {
  struct GrantRecord {
    absl::uint128 id;
    int64_t expire_us;
    uint32_t port;
    uint32_t consumer;
    uint32_t next;  // the next record of the same (port, consumer), or kNone
    uint8_t actions;
    bool live;
  };
  struct PortRecord {
    model::ProductKey product;
    std::string owner_team_id;
    bool exists = false;
  };

  absl::flat_hash_map<std::string, uint32_t> principal_ids;
  std::vector<std::string> principals;
  absl::flat_hash_map<std::string, uint32_t> port_ids;
  std::vector<PortRecord> ports;
  // Product -> the port ids it has now.
  absl::flat_hash_map<std::string, std::vector<uint32_t>> product_ports;

  std::vector<GrantRecord> grants;
  std::vector<uint32_t> free_grants;
  absl::flat_hash_map<uint64_t, uint32_t> heads;  // (port, consumer) -> first
  absl::flat_hash_map<absl::uint128, uint32_t> by_id;
  // Grant ids that are not canonical UUIDs, by the hash standing in for them.
  absl::flat_hash_map<absl::uint128, std::string> odd_ids;

  // Teams: team principal ("team:x") -> members; member -> team principals.
  absl::flat_hash_map<uint32_t, std::vector<uint32_t>> team_members;
  std::vector<std::vector<uint32_t>> member_teams;  // by principal id
  int64_t live_grants = 0;

  uint32_t Principal(absl::string_view p) {
    auto it = principal_ids.find(p);
    if (it != principal_ids.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(principals.size());
    principals.emplace_back(p);
    principal_ids.emplace(std::string(p), id);
    member_teams.emplace_back();
    return id;
  }
  uint32_t FindPrincipal(absl::string_view p) const {
    auto it = principal_ids.find(p);
    return it == principal_ids.end() ? kNone : it->second;
  }
  uint32_t Port(const std::string& name) {
    auto it = port_ids.find(name);
    if (it != port_ids.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(ports.size());
    ports.emplace_back();
    port_ids.emplace(name, id);
    return id;
  }
  uint32_t FindPort(absl::string_view name) const {
    auto it = port_ids.find(name);
    return it == port_ids.end() ? kNone : it->second;
  }

  absl::uint128 GrantKey(const std::string& id) {
    absl::uint128 key;
    if (ParseUuid(id, &key)) return key;
    // Not a UUID (not made by this server): a 128-bit hash stands in.
    key = absl::MakeUint128(std::hash<std::string>()(id),
                            std::hash<std::string>()(id + "#"));
    odd_ids[key] = id;
    return key;
  }
  std::string GrantId(absl::uint128 key) const {
    auto it = odd_ids.find(key);
    return it != odd_ids.end() ? it->second : FormatUuid(key);
  }

  void Unlink(uint32_t index) {
    GrantRecord& g = grants[index];
    uint64_t key = Key(g.port, g.consumer);
    auto head = heads.find(key);
    if (head != heads.end()) {
      if (head->second == index) {
        if (g.next == kNone) {
          heads.erase(head);
        } else {
          head->second = g.next;
        }
      } else {
        for (uint32_t i = head->second; i != kNone; i = grants[i].next) {
          if (grants[i].next == index) {
            grants[i].next = g.next;
            break;
          }
        }
      }
    }
    g.live = false;
    g.next = kNone;
    free_grants.push_back(index);
    --live_grants;
  }

  void Remove(const std::string& id) {
    absl::uint128 key = GrantKey(id);
    auto it = by_id.find(key);
    if (it == by_id.end()) return;
    Unlink(it->second);
    by_id.erase(it);
    odd_ids.erase(key);
  }

  void Upsert(const model::Grant& g) {
    Remove(g.id);
    if (g.revoke_time) return;
    GrantRecord r;
    r.id = GrantKey(g.id);
    r.expire_us = g.expire_time == absl::InfiniteFuture()
                      ? std::numeric_limits<int64_t>::max()
                      : absl::ToUnixMicros(g.expire_time);
    r.port = Port(model::OutputPortName(g.port));
    r.consumer = Principal(g.consumer);
    r.actions = ActionBits(g.actions);
    r.live = true;
    uint64_t key = Key(r.port, r.consumer);
    auto head = heads.find(key);
    r.next = head == heads.end() ? kNone : head->second;
    uint32_t index;
    if (!free_grants.empty()) {
      index = free_grants.back();
      free_grants.pop_back();
      grants[index] = r;
    } else {
      index = static_cast<uint32_t>(grants.size());
      grants.push_back(r);
    }
    heads[key] = index;
    by_id[r.id] = index;
    ++live_grants;
  }

  void SetTeam(const std::string& team_id,
               const std::vector<std::string>& members) {
    uint32_t team = Principal(absl::StrCat("team:", team_id));
    auto old = team_members.find(team);
    if (old != team_members.end()) {
      for (uint32_t m : old->second) {
        auto& teams = member_teams[m];
        teams.erase(std::remove(teams.begin(), teams.end(), team), teams.end());
      }
      team_members.erase(old);
    }
    if (members.empty()) return;
    std::vector<uint32_t> ids;
    ids.reserve(members.size());
    for (const auto& m : members) {
      uint32_t id = Principal(m);
      ids.push_back(id);
      member_teams[id].push_back(team);
    }
    team_members.emplace(team, std::move(ids));
  }

  void SetProductPorts(const model::ProductKey& product,
                       const std::string& owner_team_id,
                       const std::vector<std::string>& port_ids_of_product) {
    std::string name = model::ProductName(product);
    auto old = product_ports.find(name);
    if (old != product_ports.end()) {
      for (uint32_t p : old->second) ports[p].exists = false;
      product_ports.erase(old);
    }
    if (port_ids_of_product.empty()) return;
    std::vector<uint32_t> ids;
    for (const auto& port_id : port_ids_of_product) {
      uint32_t p = Port(model::OutputPortName(
          {product.domain_id, product.product_id, port_id}));
      ports[p].product = product;
      ports[p].owner_team_id = owner_team_id;
      ports[p].exists = true;
      ids.push_back(p);
    }
    product_ports.emplace(std::move(name), std::move(ids));
  }
};

AccessIndex::AccessIndex() : state_(std::make_unique<State>()) {}
AccessIndex::~AccessIndex() = default;

void AccessIndex::Replace(const AccessIndexData& data) {
  auto next = std::make_unique<State>();
  next->grants.reserve(data.grants.size());
  next->heads.reserve(data.grants.size());
  next->by_id.reserve(data.grants.size());
  // Products first so that ports are interned before the grants on them.
  absl::flat_hash_map<std::string,
                      std::pair<IndexedPort, std::vector<std::string>>>
      products;
  for (const IndexedPort& p : data.ports) {
    std::string product =
        model::ProductName({p.port.domain_id, p.port.product_id});
    auto& entry = products[product];
    entry.first = p;
    entry.second.push_back(p.port.port_id);
  }
  for (const auto& [name, entry] : products) {
    next->SetProductPorts(
        {entry.first.port.domain_id, entry.first.port.product_id},
        entry.first.owner_team_id, entry.second);
  }
  for (const model::Team& t : data.teams) next->SetTeam(t.id, t.members);
  for (const model::Grant& g : data.grants) next->Upsert(g);
  absl::WriterMutexLock lock(&mu_);
  state_ = std::move(next);
}

void AccessIndex::UpsertGrant(const model::Grant& grant) {
  absl::WriterMutexLock lock(&mu_);
  state_->Upsert(grant);
}

void AccessIndex::SetTeam(const std::string& team_id,
                          const std::vector<std::string>& members) {
  absl::WriterMutexLock lock(&mu_);
  state_->SetTeam(team_id, members);
}

void AccessIndex::SetProductPorts(const model::ProductKey& product,
                                  const std::string& owner_team_id,
                                  const std::vector<std::string>& port_ids) {
  absl::WriterMutexLock lock(&mu_);
  state_->SetProductPorts(product, owner_team_id, port_ids);
}

IndexCheck AccessIndex::Check(absl::string_view principal,
                              absl::string_view port_name,
                              absl::string_view action, absl::Time now) const {
  IndexCheck out;
  const uint8_t bit = ActionBit(action);
  const int64_t now_us = absl::ToUnixMicros(now);
  absl::ReaderMutexLock lock(&mu_);
  const State& s = *state_;
  const uint32_t port = s.FindPort(port_name);
  if (port == kNone || !s.ports[port].exists) {
    out.reason = absl::StrCat("no output port ", port_name);
    return out;
  }
  out.port_known = true;
  out.product = s.ports[port].product;
  out.owner_team_id = s.ports[port].owner_team_id;
  const uint32_t who = s.FindPrincipal(principal);
  const State::GrantRecord* best = nullptr;
  const State::GrantRecord* expired = nullptr;
  bool other_action = false;
  auto scan = [&](uint32_t consumer) {
    auto head = s.heads.find(Key(port, consumer));
    if (head == s.heads.end()) return;
    for (uint32_t i = head->second; i != kNone; i = s.grants[i].next) {
      const State::GrantRecord& g = s.grants[i];
      if (g.expire_us <= now_us) {
        if (expired == nullptr || g.expire_us > expired->expire_us)
          expired = &g;
        continue;
      }
      if ((g.actions & bit) == 0) {
        other_action = true;
        continue;
      }
      if (best == nullptr || g.expire_us > best->expire_us) best = &g;
    }
  };
  if (who != kNone) {
    scan(who);
    if (best == nullptr) {
      for (uint32_t team : s.member_teams[who]) scan(team);
    }
  }
  if (best != nullptr) {
    out.allowed = true;
    out.grant_id = s.GrantId(best->id);
    out.consumer = s.principals[best->consumer];
    out.expire_time = best->expire_us == std::numeric_limits<int64_t>::max()
                          ? absl::InfiniteFuture()
                          : absl::FromUnixMicros(best->expire_us);
    return out;
  }
  if (bit == 0) {
    out.reason =
        absl::StrCat("\"", action, "\" is not an action (read, write)");
  } else if (other_action) {
    out.reason = absl::StrCat("no active grant allows ", action, " on ",
                              port_name, " for ", principal);
  } else if (expired != nullptr) {
    out.reason = absl::StrCat(
        "grant ", model::GrantName(s.GrantId(expired->id)), " expired at ",
        absl::FormatTime(absl::RFC3339_sec,
                         absl::FromUnixMicros(expired->expire_us),
                         absl::UTCTimeZone()));
  } else {
    out.reason =
        absl::StrCat("no active grant on ", port_name, " for ", principal);
  }
  return out;
}

std::string AccessIndex::OwnerTeamOf(absl::string_view port_name) const {
  absl::ReaderMutexLock lock(&mu_);
  const uint32_t port = state_->FindPort(port_name);
  if (port == kNone || !state_->ports[port].exists) return "";
  return state_->ports[port].owner_team_id;
}

int64_t AccessIndex::grant_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return state_->live_grants;
}

int64_t AccessIndex::MemoryBytes() const {
  absl::ReaderMutexLock lock(&mu_);
  const State& s = *state_;
  // Swiss tables: one control byte and one slot per bucket.
  auto table = [](size_t buckets, size_t slot) {
    return static_cast<int64_t>(buckets * (slot + 1));
  };
  int64_t bytes = 0;
  bytes +=
      static_cast<int64_t>(s.grants.capacity() * sizeof(State::GrantRecord));
  bytes += table(s.heads.bucket_count(), sizeof(std::pair<uint64_t, uint32_t>));
  bytes +=
      table(s.by_id.bucket_count(), sizeof(std::pair<absl::uint128, uint32_t>));
  bytes += table(s.principal_ids.bucket_count(),
                 sizeof(std::pair<std::string, uint32_t>));
  bytes += table(s.port_ids.bucket_count(),
                 sizeof(std::pair<std::string, uint32_t>));
  for (const auto& p : s.principals) {
    bytes += static_cast<int64_t>(sizeof(std::string) + 2 * p.capacity());
  }
  bytes += static_cast<int64_t>(s.ports.capacity() * sizeof(State::PortRecord));
  for (const auto& t : s.member_teams) {
    bytes += static_cast<int64_t>(sizeof(t) + t.capacity() * sizeof(uint32_t));
  }
  return bytes;
}

}  // namespace meshplane::core
