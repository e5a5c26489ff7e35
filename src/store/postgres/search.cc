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
        SearchResult out;
        int last_score = 0;
        for (const auto& row : r) {
          if (static_cast<int>(out.items.size()) == page.limit) {
            const auto& last = out.items.back();
            out.next =
                absl::StrCat(last_score, ":", last.domain_id, "/", last.id);
            break;
          }
          out.items.push_back(ProductFromRow(row));
          // The score follows the product's columns (kSearchProducts).
          last_score = row[static_cast<int>(row.size()) - 1].as<int>();
        }
        pqxx::result f = ctx_.txn().exec_params(
            sql::kSearchFacets, tsquery, search.domain_id, search.owner_team_id,
            lifecycle, search.tier, classification, search.tag, facet_limit);
        for (const auto& row : f) {
          std::string facet = row[0].as<std::string>();
          FacetCount v{row[1].as<std::string>(), row[2].as<int64_t>()};
          if (facet.empty()) {
            out.total = v.count;
          } else if (facet == "domain") {
            out.facets.domain.push_back(std::move(v));
          } else if (facet == "owner_team") {
            out.facets.owner_team.push_back(std::move(v));
          } else if (facet == "lifecycle") {
            out.facets.lifecycle.push_back(std::move(v));
          } else if (facet == "tier") {
            out.facets.tier.push_back(std::move(v));
          } else if (facet == "classification") {
            out.facets.classification.push_back(std::move(v));
          } else if (facet == "tag") {
            out.facets.tag.push_back(std::move(v));
          }
        }
        return out;
      });
}

absl::StatusOr<std::vector<LineageEdge>> PgRegistryRepository::Lineage(
    const model::ProductKey& start, LineageDirection direction, int max_depth) {
  return ctx_.Run({"Lineage", ProductPhrase(start)},
                  [&]() -> absl::StatusOr<std::vector<LineageEdge>> {
                    const char* name =
                        direction == LineageDirection::kDownstream
                            ? sql::kLineageDown.name
                            : sql::kLineageUp.name;
                    pqxx::result r = ctx_.txn().exec_prepared(
                        name, start.domain_id, start.product_id, max_depth);
                    std::vector<LineageEdge> out;
                    for (const auto& row : r) {
                      LineageEdge e;
                      e.source.domain_id = row[0].as<std::string>();
                      e.source.product_id = row[1].as<std::string>();
                      e.source.port_id = row[2].as<std::string>();
                      e.consumer.domain_id = row[3].as<std::string>();
                      e.consumer.product_id = row[4].as<std::string>();
                      e.input_port_id = row[5].as<std::string>();
                      e.depth = row[6].as<int>();
                      out.push_back(std::move(e));
                    }
                    return out;
                  });
}

}  // namespace meshplane::store::pg
