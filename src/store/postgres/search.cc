#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres/cursors.h"
#include "store/postgres/errors.h"
#include "store/postgres/registry.h"
#include "store/postgres/registry_sql.h"
#include "store/postgres/rows.h"
#include <pqxx/pqxx>

#include "meshplane/common/status_macros.h"
#include "meshplane/model/lifecycle.h"

namespace meshplane::store::pg {

namespace {

// The facets of kSearchFacets, by the name in its first column ("" is the
// total).
constexpr std::pair<const char*, std::vector<FacetCount> SearchFacets::*>
    kFacets[] = {{"domain", &SearchFacets::domain},
                 {"owner_team", &SearchFacets::owner_team},
                 {"lifecycle", &SearchFacets::lifecycle},
                 {"tier", &SearchFacets::tier},
                 {"classification", &SearchFacets::classification},
                 {"tag", &SearchFacets::tag}};

LineageEdge EdgeFromRow(const pqxx::row& row) {
  LineageEdge e;
  ReadColumns(row, 0, e.source.domain_id, e.source.product_id, e.source.port_id,
              e.consumer.domain_id, e.consumer.product_id, e.input_port_id,
              e.depth);
  return e;
}

}  // namespace

absl::StatusOr<SearchResult> PgRegistryRepository::SearchDataProducts(
    const ProductSearch& search, const PageRequest& page, int skip,
    int facet_limit) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  if (skip < 0 || facet_limit < 1) {
    return absl::InvalidArgumentError("skip must be >= 0 and facet_limit >= 1");
  }
  MP_ASSIGN_OR_RETURN(auto cursor, ParseSearchCursor(page.after));
  // Words are letters and digits only (ProductSearch), so quoting each
  // makes a tsquery whatever they hold.
  std::vector<std::string> terms;
  for (size_t i = 0; i < search.words.size(); ++i) {
    bool prefix = search.last_is_prefix && i + 1 == search.words.size();
    terms.push_back(
        absl::StrCat("'", search.words[i], "'", prefix ? ":*" : ""));
  }
  std::string tsquery = absl::StrJoin(terms, " & ");
  std::string lifecycle =
      search.lifecycle ? std::string(model::LifecycleName(*search.lifecycle))
                       : std::string();
  std::string classification =
      search.classification
          ? std::string(model::ClassificationName(*search.classification))
          : std::string();
  return ctx_.Run(
      {"SearchDataProducts", ""}, [&]() -> absl::StatusOr<SearchResult> {
        SearchCursor c = cursor.value_or(SearchCursor{});
        pqxx::result r = ctx_.txn().exec_params(
            sql::kSearchProducts, tsquery, search.domain_id,
            search.owner_team_id, lifecycle, search.tier, classification,
            search.tag, c.score, c.domain_id, c.id, skip, page.limit + 1);
        Page<model::DataProduct> products = KeysetPage(
            r, page.limit, ProductFromRow,
            [](const model::DataProduct& last, const pqxx::row& row) {
              // The score follows the product's columns (kSearchProducts).
              int score = row[static_cast<int>(row.size()) - 1].as<int>();
              return absl::StrCat(score, ":", last.domain_id, "/", last.id);
            });
        SearchResult out;
        out.items = std::move(products.items);
        out.next = std::move(products.next);
        pqxx::result f = ctx_.txn().exec_params(
            sql::kSearchFacets, tsquery, search.domain_id, search.owner_team_id,
            lifecycle, search.tier, classification, search.tag, facet_limit);
        for (const auto& row : f) {
          std::string facet = row[0].as<std::string>();
          FacetCount v{row[1].as<std::string>(), row[2].as<int64_t>()};
          if (facet.empty()) {
            out.total = v.count;
            continue;
          }
          for (const auto& [name, counts] : kFacets) {
            if (facet == name) {
              (out.facets.*counts).push_back(std::move(v));
              break;
            }
          }
        }
        return out;
      });
}

absl::StatusOr<std::vector<LineageEdge>> PgRegistryRepository::Lineage(
    const model::ProductKey& start, LineageDirection direction, int max_depth) {
  return AllRows({"Lineage", ProductPhrase(start)}, EdgeFromRow,
                 direction == LineageDirection::kDownstream ? sql::kLineageDown
                                                            : sql::kLineageUp,
                 start.domain_id, start.product_id, max_depth);
}

}  // namespace meshplane::store::pg
