// InMemoryRegistry: product search (with facets) and lineage.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/testing/memstore/repositories.h"

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::testing::memstore_internal {

using model::DataProduct;
using model::Domain;
using model::ProductKey;

namespace {

// `id` and every domain below it.
std::set<std::string> Subtree(const std::map<std::string, Domain>& domains,
                              const std::string& id) {
  std::set<std::string> out{id};
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& [d, domain] : domains) {
      if (!domain.parent_id.empty() && out.count(domain.parent_id) &&
          out.insert(d).second) {
        grew = true;
      }
    }
  }
  return out;
}

// SearchDataProducts' score (store.h, SearchResult): -1 when a word is
// missing.
int SearchScore(const DataProduct& p, const store::ProductSearch& s) {
  auto words_of = [](const std::vector<std::string>& texts) {
    std::set<std::string> out;
    for (const auto& t : texts) {
      for (auto& w : model::SearchWords(t)) out.insert(std::move(w));
    }
    return out;
  };
  std::set<std::string> a = words_of({p.id, p.display_name});
  std::vector<std::string> btexts = p.tags;
  for (const auto& [k, v] : p.labels) {
    btexts.push_back(k);
    btexts.push_back(v);
  }
  std::set<std::string> b = words_of(btexts);
  std::vector<std::string> ctexts = {p.description};
  for (const auto& o : p.output_ports) {
    ctexts.insert(ctexts.end(),
                  {o.id, o.display_name, o.description, o.location});
  }
  for (const auto& in : p.input_ports) {
    ctexts.insert(ctexts.end(), {in.id, in.description});
  }
  std::set<std::string> c = words_of(ctexts);
  auto has = [](const std::set<std::string>& set, const std::string& w,
                bool prefix) {
    if (!prefix) return set.count(w) > 0;
    auto it = set.lower_bound(w);
    return it != set.end() && absl::StartsWith(*it, w);
  };
  bool in_a = true, in_ab = true;
  for (size_t i = 0; i < s.words.size(); ++i) {
    const std::string& w = s.words[i];
    bool prefix = s.last_is_prefix && i + 1 == s.words.size();
    bool ia = has(a, w, prefix), ib = has(b, w, prefix);
    if (!ia && !ib && !has(c, w, prefix)) return -1;
    in_a = in_a && ia;
    in_ab = in_ab && (ia || ib);
  }
  return in_a ? 3 : in_ab ? 2 : 1;
}

}  // namespace

absl::StatusOr<store::SearchResult> InMemoryRegistry::SearchDataProducts(
    const store::ProductSearch& s, const store::PageRequest& page, int skip,
    int facet_limit) {
  MP_RETURN_IF_ERROR(txn_.Check());
  if (page.limit < 1 || skip < 0 || facet_limit < 1) {
    return absl::InvalidArgumentError(
        "page limit and facet_limit must be >= 1, skip >= 0");
  }
  // As the Postgres store: "<score>:<domain_id>/<id>".
  std::optional<std::tuple<int, std::string, std::string>> cursor;
  if (!page.after.empty()) {
    std::vector<std::string> parts =
        absl::StrSplit(page.after, absl::MaxSplits(':', 1));
    int score = 0;
    std::vector<std::string> key =
        parts.size() == 2 ? absl::StrSplit(parts[1], absl::MaxSplits('/', 1))
                          : std::vector<std::string>();
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &score) || score < 0 ||
        score > 3 || key.size() != 2 || key[0].empty() || key[1].empty()) {
      return InvalidArgumentWithFields(
          {{"page_token", "is not a page token issued by this server"}});
    }
    cursor.emplace(score, key[0], key[1]);
  }
  txn_.Read(kProductsTable);
  txn_.Read(kDomainsTable);
  auto domains = txn_.domains.Merged();
  std::set<std::string> scope;
  if (!s.domain_id.empty()) scope = Subtree(domains, s.domain_id);
  struct Hit {
    int score;
    const DataProduct* p;
    bool fd, ft, fl, fr, fc, fg;
  };
  auto all = txn_.products.Merged();
  std::vector<Hit> hits;
  for (const auto& [k, p] : all) {
    int score = s.words.empty() ? 0 : SearchScore(p, s);
    if (score < 0) continue;
    Hit h{score,
          &p,
          s.domain_id.empty() || scope.count(k.domain_id) > 0,
          s.owner_team_id.empty() || p.owner_team_id == s.owner_team_id,
          !s.lifecycle || p.lifecycle == *s.lifecycle,
          s.tier == 0 || p.tier == s.tier,
          !s.classification || p.classification == *s.classification,
          s.tag.empty() ||
              std::find(p.tags.begin(), p.tags.end(), s.tag) != p.tags.end()};
    hits.push_back(h);
  }
  store::SearchResult out;
  std::vector<Hit> matches;
  for (const Hit& h : hits) {
    if (h.fd && h.ft && h.fl && h.fr && h.fc && h.fg) matches.push_back(h);
  }
  out.total = static_cast<int64_t>(matches.size());
  auto order = [](const Hit& h) {
    return std::make_tuple(-h.score, h.p->domain_id, h.p->id);
  };
  std::sort(matches.begin(), matches.end(),
            [&](const Hit& a, const Hit& b) { return order(a) < order(b); });
  size_t i = 0;
  if (cursor) {
    auto after = std::make_tuple(-std::get<0>(*cursor), std::get<1>(*cursor),
                                 std::get<2>(*cursor));
    while (i < matches.size() && order(matches[i]) <= after) ++i;
  }
  i = std::min(matches.size(), i + static_cast<size_t>(skip));
  for (; i < matches.size() && static_cast<int>(out.items.size()) < page.limit;
       ++i) {
    out.items.push_back(*matches[i].p);
  }
  if (i < matches.size() && !out.items.empty()) {
    const Hit& last = matches[i - 1];
    out.next =
        absl::StrCat(last.score, ":", last.p->domain_id, "/", last.p->id);
  }
  // Facets: each over the hits that pass every filter but its own.
  std::map<std::string, int64_t> fdomain, fteam, flife, ftier, fclass, ftag;
  for (const Hit& h : hits) {
    const DataProduct& p = *h.p;
    if (h.ft && h.fl && h.fr && h.fc && h.fg) {
      for (std::string d = p.domain_id; !d.empty();) {
        ++fdomain[d];
        auto it = domains.find(d);
        d = it == domains.end() ? "" : it->second.parent_id;
      }
    }
    if (h.fd && h.fl && h.fr && h.fc && h.fg) ++fteam[p.owner_team_id];
    if (h.fd && h.ft && h.fr && h.fc && h.fg) {
      ++flife[std::string(model::LifecycleName(p.lifecycle))];
    }
    if (h.fd && h.ft && h.fl && h.fc && h.fg && p.tier != 0) {
      ++ftier[absl::StrCat(p.tier)];
    }
    if (h.fd && h.ft && h.fl && h.fr && h.fg &&
        p.classification != model::Classification::kUnspecified) {
      ++fclass[std::string(model::ClassificationName(p.classification))];
    }
    if (h.fd && h.ft && h.fl && h.fr && h.fc) {
      for (const auto& t : p.tags) ++ftag[t];
    }
  }
  auto top = [&](const std::map<std::string, int64_t>& m) {
    std::vector<store::FacetCount> v;
    for (const auto& [value, n] : m) v.push_back({value, n});
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.count > b.count;
    });
    if (static_cast<int>(v.size()) > facet_limit) v.resize(facet_limit);
    return v;
  };
  out.facets.domain = top(fdomain);
  out.facets.owner_team = top(fteam);
  out.facets.lifecycle = top(flife);
  out.facets.tier = top(ftier);
  out.facets.classification = top(fclass);
  out.facets.tag = top(ftag);
  return out;
}

absl::StatusOr<std::vector<store::LineageEdge>> InMemoryRegistry::Lineage(
    const ProductKey& start, store::LineageDirection direction, int max_depth) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kProductsTable);
  auto all = txn_.products.Merged();
  std::vector<store::LineageEdge> out;
  std::set<ProductKey> visited{start};
  std::vector<ProductKey> frontier{start};
  std::set<std::string> seen_edges;
  for (int depth = 1; depth <= max_depth && !frontier.empty(); ++depth) {
    std::vector<store::LineageEdge> level;
    if (direction == store::LineageDirection::kUpstream) {
      for (const ProductKey& k : frontier) {
        auto it = all.find(k);
        if (it == all.end()) continue;
        for (const auto& ip : it->second.input_ports) {
          level.push_back({ip.source, k, ip.id, depth});
        }
      }
    } else {
      std::set<ProductKey> front(frontier.begin(), frontier.end());
      for (const auto& [k, p] : all) {
        for (const auto& ip : p.input_ports) {
          if (front.count({ip.source.domain_id, ip.source.product_id})) {
            level.push_back({ip.source, k, ip.id, depth});
          }
        }
      }
    }
    std::sort(level.begin(), level.end(), [](const auto& a, const auto& b) {
      if (!(a.consumer == b.consumer)) return a.consumer < b.consumer;
      return a.input_port_id < b.input_port_id;
    });
    std::vector<ProductKey> next;
    for (auto& e : level) {
      std::string id =
          absl::StrCat(ProductCursor(e.consumer), "/", e.input_port_id);
      if (!seen_edges.insert(id).second) continue;
      ProductKey reached =
          direction == store::LineageDirection::kUpstream
              ? ProductKey{e.source.domain_id, e.source.product_id}
              : e.consumer;
      if (visited.insert(reached).second) next.push_back(reached);
      out.push_back(std::move(e));
    }
    frontier = std::move(next);
  }
  return out;
}

}  // namespace meshplane::testing::memstore_internal
