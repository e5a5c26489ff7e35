// The registry's data products: their writes, lifecycle, lists, search
// and lineage (the domains and teams are in registry.cc).
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "core/field_mask.h"
#include "core/filter.h"
#include "core/lineage_access.h"
#include "core/page_token.h"
#include "core/resource_traits.h"
#include "core/rpc_names.h"
#include "core/validation.h"
#include "core/write_helpers.h"
#include "core/write_pipeline.h"

#include "meshplane/common/crypto.h"
#include "meshplane/common/errors.h"
#include "meshplane/common/limits.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/core/access.h"
#include "meshplane/core/registry.h"
#include "meshplane/model/json.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/model/update_fields.h"

namespace meshplane::core {
namespace {

using internal::CheckEtag;
using internal::CheckFilterId;
using internal::DataProductTraits;
using internal::DomainChain;
using internal::DuplicateFilterField;
using internal::NotFoundAt;
using internal::Referenced;
using internal::ResourceWrite;
using internal::StoreWrite;
using internal::StripCollection;
using internal::ToListResult;
using internal::UnknownFilterField;
using internal::Violations;
using internal::WritePipeline;
namespace rpc = internal::rpc;
using model::DataProduct;
using model::Domain;
using model::ProductKey;

// Deep enough for any real mesh; the store's walk terminates on cycles.
constexpr int kCycleCheckDepth = 1000;
constexpr int kMaxLineageDepth = 10;

std::set<std::string> SourceProducts(const DataProduct& p) {
  std::set<std::string> out;
  for (const auto& in : p.input_ports) {
    out.insert(model::ProductName({in.source.domain_id, in.source.product_id}));
  }
  return out;
}

// Checks the input ports of `p` that are not in `old_sources`: each source
// output port exists, and reading it closes no lineage cycle. The cycle check
// runs inside the SERIALIZABLE write transaction, so two writes that would
// each close half of a cycle conflict and one of them is retried and refused.
absl::Status CheckInputPorts(store::Transaction& txn, const DataProduct& p,
                             const std::set<std::string>& old_sources) {
  std::map<std::string, DataProduct> loaded;
  std::set<std::string> cycle_checked;
  for (size_t i = 0; i < p.input_ports.size(); ++i) {
    const model::InputPort& in = p.input_ports[i];
    ProductKey src{in.source.domain_id, in.source.product_id};
    std::string src_name = model::ProductName(src);
    std::string field =
        absl::StrCat("data_product.input_ports[", i, "].source");
    if (src == p.key()) {
      return WithReason(
          absl::FailedPreconditionError(absl::StrCat(
              field, ": ", model::ProductName(p.key()),
              " cannot read its own output port (a lineage cycle)")),
          "LINEAGE_CYCLE");
    }
    auto it = loaded.find(src_name);
    if (it == loaded.end()) {
      auto got = txn.registry().GetDataProduct(src);
      if (!got.ok()) {
        return Referenced(got.status(), field,
                          model::OutputPortName(in.source));
      }
      it = loaded.emplace(src_name, *std::move(got)).first;
    }
    bool has_port = false;
    for (const auto& o : it->second.output_ports)
      has_port = has_port || o.id == in.source.port_id;
    if (!has_port) return NotFoundAt(field, model::OutputPortName(in.source));
    if (old_sources.count(src_name) || !cycle_checked.insert(src_name).second)
      continue;
    MP_ASSIGN_OR_RETURN(
        std::vector<store::LineageEdge> upstream,
        txn.registry().Lineage(src, store::LineageDirection::kUpstream,
                               kCycleCheckDepth));
    for (const auto& e : upstream) {
      ProductKey up{e.source.domain_id, e.source.product_id};
      if (up == p.key() || e.consumer == p.key()) {
        return WithReason(
            absl::FailedPreconditionError(absl::StrCat(
                field, ": reading ", model::OutputPortName(in.source),
                " would make ", model::ProductName(p.key()),
                " its own upstream (a lineage cycle)")),
            "LINEAGE_CYCLE");
      }
    }
  }
  return absl::OkStatus();
}

// What governance decides on for a product write: the product after the
// change (and its JSON), its JSON before (updates), and its domain chain
// (its domain first).
GovernedSubject ProductSubject(const char* trigger, const DataProduct& after,
                               const std::string& after_json,
                               const std::string* previous_json,
                               const std::vector<Domain>& chain) {
  GovernedSubject subject = internal::SubjectInChain(
      trigger, model::ProductName(after.key()), after_json, chain);
  if (previous_json != nullptr) subject.previous_json = *previous_json;
  return subject;
}

// Checks a sunset time given at `field`: only for deprecated products, and
// in the future.
void CheckSunset(const std::optional<absl::Time>& sunset, model::Lifecycle l,
                 absl::Time now, const std::string& field, Violations& v) {
  if (!sunset) return;
  if (l != model::Lifecycle::kDeprecated) {
    v.Add(field,
          absl::StrCat("only a deprecated product has a sunset time (it is ",
                       model::LifecycleName(l), ")"));
  } else if (*sunset <= now) {
    v.Add(field, "must be in the future");
  }
}

}  // namespace

// ========================================================== Data products

absl::StatusOr<DataProduct> Registry::InsertProduct(
    const RequestContext& ctx, store::Transaction& txn, DataProduct product,
    ResourceWrite<DataProductTraits>& w, const std::string& id_field,
    const std::string& domain_field) {
  const absl::Time now = internal::StoreNow(clock_);
  Violations v;
  v.CheckId(domain_field, product.domain_id);
  v.CheckId(id_field, product.id);
  if (product.lifecycle != model::Lifecycle::kDraft &&
      product.lifecycle != model::Lifecycle::kPublished) {
    v.Add("data_product.lifecycle",
          absl::StrCat("a new product starts as DRAFT or PUBLISHED, not ",
                       model::LifecycleName(product.lifecycle)));
  }
  internal::ValidateProductFields(product, v);
  CheckSunset(product.sunset_time, product.lifecycle, now,
              "data_product.sunset_time", v);
  if (!model::IsValidId(product.domain_id) || !model::IsValidId(product.id)) {
    return v.ToStatus();
  }
  auto domain = txn.registry().GetDomain(product.domain_id);
  if (!domain.ok()) {
    return Referenced(domain.status(), domain_field,
                      model::DomainName(product.domain_id));
  }
  MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, *domain));
  MP_RETURN_IF_ERROR(
      authz_.CheckDomainWrite(ctx.principal, chain, "create data products"));
  MP_RETURN_IF_ERROR(v.ToStatus());
  auto owner = txn.registry().GetTeam(product.owner_team_id);
  if (!owner.ok()) {
    return Referenced(owner.status(), "data_product.owner_team",
                      model::TeamName(product.owner_team_id));
  }
  // No pre-read of the product: the insert answers ALREADY_EXISTS itself
  // (one statement less, and one predicate lock less under SERIALIZABLE).
  MP_RETURN_IF_ERROR(CheckInputPorts(txn, product, {}));
  MP_RETURN_IF_ERROR(internal::CheckDeclaredInputs(txn, authz_, ctx.principal,
                                                   product, {}, now));
  internal::SortUnique(product.tags);
  product.uid = RandomUuid();
  product.create_time = now;
  product.update_time = now;
  product.revision = 1;
  MP_RETURN_IF_ERROR(Govern(ctx,
                            ProductSubject("dataproduct.create", product,
                                           w.After(product), nullptr, chain),
                            w.outcome()));
  absl::Status inserted = txn.registry().InsertDataProduct(product);
  if (inserted.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        absl::StrCat(model::ProductName(product.key()), " already exists"));
  }
  MP_RETURN_IF_ERROR(inserted);
  // CheckAccess indexes memberships and ports (core/access.h).
  MP_RETURN_IF_ERROR(
      txn.Notify(kAccessChannel,
                 absl::StrCat("product:", product.domain_id, "/", product.id)));
  // Also when an upsert (UpdateDataProduct) creates it.
  w.SetEvent("created");
  return product;
}

absl::StatusOr<DataProduct> Registry::CreateDataProduct(
    const RequestContext& ctx, DataProduct product) {
  return WritePipeline(store_, clock_)
      .Create<DataProductTraits>(
          ctx, product,
          [&](store::Transaction& txn, ResourceWrite<DataProductTraits>& w) {
            return InsertProduct(ctx, txn, product, w, "data_product_id",
                                 "parent");
          });
}

absl::StatusOr<DataProduct> Registry::GetDataProduct(const RequestContext& ctx,
                                                     const ProductKey& key) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_RETURN_IF_ERROR(ValidateProductKey(key, "name"));
  // One statement: no transaction around it.
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kSingleRead));
  return txn->registry().GetDataProduct(key);
}

absl::Status Registry::ValidateProductKey(const ProductKey& key,
                                          const std::string& field) {
  if (model::IsValidId(key.domain_id) && model::IsValidId(key.product_id)) {
    return absl::OkStatus();
  }
  return InvalidArgumentWithFields(
      {{field,
        absl::StrCat("\"", model::ProductName(key),
                     "\" is not a valid data product name "
                     "(domains/{domain}/dataProducts/{data_product}, ids "
                     "of lowercase letters, digits, hyphens; 1-63 chars, "
                     "starting with a letter)")}});
}

absl::StatusOr<ListResult<DataProduct>> Registry::ListDataProducts(
    const RequestContext& ctx, const ProductScope& scope,
    const ListQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_ASSIGN_OR_RETURN(int limit, internal::EffectivePageSize(query.page_size));
  std::string scope_domain = scope.domain_id == "-" ? "" : scope.domain_id;
  if (!scope_domain.empty() && !model::IsValidId(scope_domain)) {
    return InvalidArgumentWithFields(
        {{"parent", absl::StrCat(QuotePrefix(scope_domain),
                                 " is not a valid domain id")}});
  }
  MP_ASSIGN_OR_RETURN(auto terms, internal::ParseFilter(query.filter));
  store::DataProductFilter filter;
  filter.domain_id = scope_domain;
  filter.include_subdomains = scope.include_subdomains;
  std::set<std::string> seen;
  std::vector<std::string> text;
  const std::vector<std::string> known = {"owner_team", "lifecycle", "tags",
                                          "domain", "text"};
  for (const auto& t : terms) {
    std::string field = t.field;
    if (field == "owner") field = "owner_team";
    if (field == "tag") field = "tags";
    if (field.empty() || field == "text") {
      text.push_back(t.value);
      continue;
    }
    if (!seen.insert(field).second) return DuplicateFilterField(field);
    if (field == "owner_team") {
      filter.owner_team_id = StripCollection(t.value, "teams/");
      MP_RETURN_IF_ERROR(CheckFilterId("owner_team", filter.owner_team_id));
    } else if (field == "lifecycle") {
      auto l = model::ParseLifecycle(t.value);
      if (!l) {
        return InvalidArgumentWithFields(
            {{"filter", absl::StrCat("lifecycle: ", QuotePrefix(t.value),
                                     " is not one of DRAFT, PUBLISHED, "
                                     "DEPRECATED, RETIRED")}});
      }
      filter.lifecycle = *l;
    } else if (field == "tags") {
      filter.tag = t.value;
    } else if (field == "domain") {
      std::string d = StripCollection(t.value, "domains/");
      MP_RETURN_IF_ERROR(CheckFilterId("domain", d));
      if (!scope_domain.empty() && d != scope_domain) {
        return InvalidArgumentWithFields(
            {{"filter", absl::StrCat("domain ", QuotePrefix(d),
                                     " contradicts the parent ",
                                     model::DomainName(scope_domain))}});
      }
      filter.domain_id = d;
    } else {
      return UnknownFilterField(t.field, known);
    }
  }
  filter.text = absl::StrJoin(text, " ");
  MP_ASSIGN_OR_RETURN(
      auto read, internal::BeginListRead(store_, store::TxnMode::kReadOnly,
                                         {"dataProducts", scope_domain,
                                          scope.include_subdomains ? "1" : "0",
                                          internal::CanonicalFilter(terms)},
                                         query.page_token, limit));
  if (!filter.domain_id.empty()) {
    auto d = read.txn->registry().GetDomain(filter.domain_id);
    if (!d.ok())
      return Referenced(d.status(), "parent",
                        model::DomainName(filter.domain_id));
  }
  MP_ASSIGN_OR_RETURN(auto page,
                      read.txn->registry().ListDataProducts(filter, read.page));
  return ToListResult(std::move(page), read.fingerprint);
}

absl::StatusOr<ProductSearchResult> Registry::SearchDataProducts(
    const RequestContext& ctx, const ProductSearchQuery& query) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  // Bounds keep one search cheap: a page is a screenful, skip reaches page
  // 500 of 20, and the text is what a person types.
  constexpr int kDefaultSearchPage = 20;
  constexpr int kMaxSearchPage = 100;
  constexpr int kMaxSkip = 10000;
  constexpr int kDefaultFacetSize = 10;
  constexpr int kMaxFacetSize = 100;
  constexpr size_t kMaxQueryLength = 200;
  constexpr size_t kMaxWords = 32;
  constexpr size_t kMinPrefix = 3;
  std::vector<FieldViolation> bad;
  auto check_id = [&](const char* field, const std::string& id) {
    if (!id.empty() && !model::IsValidId(id)) {
      bad.push_back(
          {field, absl::StrCat(QuotePrefix(id), " is not a valid id")});
    }
  };
  check_id("domain", query.domain_id);
  check_id("owner_team", query.owner_team_id);
  check_id("tag", query.tag);
  if (query.text.size() > kMaxQueryLength) {
    bad.push_back(
        {"query", absl::StrCat("has ", query.text.size(),
                               " characters; at most ", kMaxQueryLength)});
  }
  std::vector<std::string> words = model::SearchWords(query.text);
  if (words.size() > kMaxWords) {
    bad.push_back({"query", absl::StrCat("has ", words.size(),
                                         " words; at most ", kMaxWords)});
  }
  if (query.tier < 0 || query.tier > 3) {
    bad.push_back(
        {"tier", absl::StrCat(query.tier, " is not 0 (any) or a tier 1-3")});
  }
  if (query.page_size < 0) {
    bad.push_back({"page_size", "must not be negative"});
  }
  if (query.skip < 0 || query.skip > kMaxSkip) {
    bad.push_back(
        {"skip", absl::StrCat(query.skip, " is not in 0-", kMaxSkip)});
  }
  if (query.facet_size < 0) {
    bad.push_back({"facet_size", "must not be negative"});
  }
  if (!bad.empty()) return InvalidArgumentWithFields(bad);
  int limit = query.page_size == 0 ? kDefaultSearchPage
                                   : std::min(query.page_size, kMaxSearchPage);
  int facets = query.facet_size == 0
                   ? kDefaultFacetSize
                   : std::min(query.facet_size, kMaxFacetSize);
  store::ProductSearch search;
  // As you type: the last word is unfinished unless a separator follows it.
  // Only from 3 characters on: a prefix of 1 or 2 matches a large part of
  // any catalog (every word that starts with "o"), which makes the search
  // and its facets read most rows for a result nobody reads.
  search.last_is_prefix =
      !words.empty() && words.back().size() >= kMinPrefix &&
      model::SearchWords(query.text.substr(query.text.size() - 1)).size() == 1;
  search.words = std::move(words);
  search.domain_id = query.domain_id;
  search.owner_team_id = query.owner_team_id;
  search.lifecycle = query.lifecycle;
  search.tier = query.tier;
  search.classification = query.classification;
  search.tag = query.tag;
  MP_ASSIGN_OR_RETURN(
      auto read,
      internal::BeginListRead(
          store_, store::TxnMode::kReadOnly,
          {"searchDataProducts", absl::StrJoin(search.words, " "),
           search.last_is_prefix ? "1" : "0", search.domain_id,
           search.owner_team_id,
           search.lifecycle
               ? std::string(model::LifecycleName(*search.lifecycle))
               : "",
           absl::StrCat(search.tier),
           search.classification
               ? std::string(model::ClassificationName(*search.classification))
               : "",
           search.tag},
          query.page_token, limit));
  MP_ASSIGN_OR_RETURN(store::SearchResult found,
                      read.txn->registry().SearchDataProducts(
                          search, read.page, query.skip, facets));
  ProductSearchResult out;
  out.items = std::move(found.items);
  out.next_page_token = internal::EncodePageToken(found.next, read.fingerprint);
  out.total_size = found.total;
  out.facets = std::move(found.facets);
  return out;
}

absl::StatusOr<DataProduct> Registry::UpdateDataProduct(
    const RequestContext& ctx, const DataProduct& patch, const FieldMask& mask,
    const std::string& etag, bool allow_missing) {
  auto rule =
      [&](store::Transaction& txn,
          ResourceWrite<DataProductTraits>& w) -> absl::StatusOr<DataProduct> {
    const absl::Time now = internal::StoreNow(clock_);
    MP_RETURN_IF_ERROR(ValidateProductKey(patch.key(), "data_product.name"));
    MP_ASSIGN_OR_RETURN(
        std::set<std::string> paths,
        internal::ResolveMask(mask, model::DataProductUpdatableFields(),
                              {{"owner_team_id", "owner_team"}},
                              {"name", "uid", "lifecycle", "create_time",
                               "update_time", "etag"}));
    auto found = txn.registry().GetDataProduct(patch.key());
    if (!found.ok() && found.status().code() == absl::StatusCode::kNotFound &&
        allow_missing) {
      // AIP-134: upsert. The whole patch is the new product.
      return InsertProduct(ctx, txn, patch, w, "data_product.name",
                           "data_product.name");
    }
    if (!found.ok()) return found.status();
    DataProduct current = *std::move(found);
    MP_ASSIGN_OR_RETURN(Domain domain,
                        txn.registry().GetDomain(current.domain_id));
    MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, domain));
    MP_RETURN_IF_ERROR(
        authz_.CheckProductWrite(ctx.principal, current, chain, "update"));
    if (current.lifecycle == model::Lifecycle::kRetired) {
      return WithReason(absl::FailedPreconditionError(absl::StrCat(
                            model::ProductName(current.key()),
                            " is RETIRED and can no longer be changed")),
                        "PRODUCT_RETIRED");
    }
    MP_RETURN_IF_ERROR(
        CheckEtag(model::ProductName(current.key()), etag, current.revision));
    DataProduct p = current;
    if (paths.count("display_name")) p.display_name = patch.display_name;
    if (paths.count("description")) p.description = patch.description;
    if (paths.count("owner_team")) p.owner_team_id = patch.owner_team_id;
    if (paths.count("tier")) p.tier = patch.tier;
    if (paths.count("classification")) p.classification = patch.classification;
    if (paths.count("tags")) p.tags = patch.tags;
    if (paths.count("labels")) p.labels = patch.labels;
    if (paths.count("output_ports")) p.output_ports = patch.output_ports;
    if (paths.count("input_ports")) p.input_ports = patch.input_ports;
    if (paths.count("sunset_time")) p.sunset_time = patch.sunset_time;
    if (paths.count("archetype")) p.archetype = patch.archetype;
    if (paths.count("odps_document")) p.odps_document = patch.odps_document;
    Violations v;
    internal::ValidateProductFields(p, v);
    if (paths.count("sunset_time")) {
      CheckSunset(p.sunset_time, p.lifecycle, now, "data_product.sunset_time",
                  v);
    }
    MP_RETURN_IF_ERROR(v.ToStatus());
    if (p.owner_team_id != current.owner_team_id) {
      auto owner = txn.registry().GetTeam(p.owner_team_id);
      if (!owner.ok()) {
        return Referenced(owner.status(), "data_product.owner_team",
                          model::TeamName(p.owner_team_id));
      }
    }
    MP_RETURN_IF_ERROR(CheckInputPorts(txn, p, SourceProducts(current)));
    // A new owner team declares every input anew (docs/access.md).
    std::vector<model::OutputPortRef> declared;
    if (p.owner_team_id == current.owner_team_id) {
      for (const auto& in : current.input_ports) declared.push_back(in.source);
    }
    MP_RETURN_IF_ERROR(internal::CheckDeclaredInputs(txn, authz_, ctx.principal,
                                                     p, declared, now));
    std::set<std::string> dropped;
    for (const auto& o : current.output_ports) dropped.insert(o.id);
    for (const auto& o : p.output_ports) dropped.erase(o.id);
    MP_ASSIGN_OR_RETURN(
        std::vector<internal::DetachedReader> detached,
        internal::ReleaseReaders(txn, current, dropped, now, "PORT_IN_USE"));
    internal::SortUnique(p.tags);
    p.revision = current.revision + 1;
    p.update_time = now;
    const std::string& before_json = w.Before(current);
    MP_RETURN_IF_ERROR(Govern(ctx,
                              ProductSubject("dataproduct.update", p,
                                             w.After(p), &before_json, chain),
                              w.outcome()));
    absl::Status updated =
        StoreWrite(txn.registry().UpdateDataProduct(p, current.revision));
    if (updated.code() == absl::StatusCode::kFailedPrecondition) {
      return WithReason(updated, "PORT_IN_USE");
    }
    MP_RETURN_IF_ERROR(updated);
    MP_RETURN_IF_ERROR(internal::RecordDetached(
        txn, ctx, internal::MethodOf(ctx, rpc::kUpdateDataProduct), detached,
        now));
    // CheckAccess indexes memberships and ports (core/access.h).
    MP_RETURN_IF_ERROR(txn.Notify(
        kAccessChannel, absl::StrCat("product:", p.domain_id, "/", p.id)));
    return p;
  };
  return WritePipeline(store_, clock_)
      .Update<DataProductTraits>(
          ctx,
          {rpc::kUpdateDataProduct, model::ProductName(patch.key()),
           absl::StrCat(model::ToJson(patch), "\n",
                        absl::StrJoin(mask.paths, ","), "\n", etag, "\n",
                        allow_missing)},
          rule);
}

absl::Status Registry::DeleteDataProduct(const RequestContext& ctx,
                                         const ProductKey& key,
                                         const std::string& etag) {
  auto rule =
      [&](store::Transaction& txn,
          ResourceWrite<DataProductTraits>&) -> absl::StatusOr<DataProduct> {
    MP_RETURN_IF_ERROR(ValidateProductKey(key, "name"));
    MP_ASSIGN_OR_RETURN(DataProduct current,
                        txn.registry().GetDataProduct(key));
    MP_ASSIGN_OR_RETURN(Domain domain, txn.registry().GetDomain(key.domain_id));
    MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, domain));
    MP_RETURN_IF_ERROR(
        authz_.CheckProductWrite(ctx.principal, current, chain, "delete"));
    MP_RETURN_IF_ERROR(
        CheckEtag(model::ProductName(key), etag, current.revision));
    const absl::Time now = internal::StoreNow(clock_);
    std::set<std::string> ports;
    for (const auto& o : current.output_ports) ports.insert(o.id);
    MP_ASSIGN_OR_RETURN(
        std::vector<internal::DetachedReader> detached,
        internal::ReleaseReaders(txn, current, ports, now, "HAS_CONSUMERS"));
    absl::Status deleted = txn.registry().DeleteDataProduct(key);
    if (deleted.code() == absl::StatusCode::kFailedPrecondition) {
      return WithReason(deleted, "HAS_CONSUMERS");
    }
    MP_RETURN_IF_ERROR(deleted);
    MP_RETURN_IF_ERROR(internal::RecordDetached(
        txn, ctx, internal::MethodOf(ctx, rpc::kDeleteDataProduct), detached,
        now));
    // CheckAccess indexes memberships and ports (core/access.h).
    MP_RETURN_IF_ERROR(txn.Notify(
        kAccessChannel,
        absl::StrCat("product:", key.domain_id, "/", key.product_id)));
    return current;
  };
  return WritePipeline(store_, clock_)
      .Delete<DataProductTraits>(
          ctx,
          {rpc::kDeleteDataProduct, model::ProductName(key),
           absl::StrCat(model::ProductName(key), "\n", etag)},
          rule);
}

absl::StatusOr<DataProduct> Registry::TransitionDataProduct(
    const RequestContext& ctx, const ProductKey& key, model::Lifecycle target,
    const std::string& etag, std::optional<absl::Time> sunset_time) {
  internal::RpcName method = rpc::kPublishDataProduct;
  const char* event = "published";
  const char* action = "publish";
  if (target == model::Lifecycle::kDeprecated) {
    method = rpc::kDeprecateDataProduct;
    event = "deprecated";
    action = "deprecate";
  } else if (target == model::Lifecycle::kRetired) {
    method = rpc::kRetireDataProduct;
    event = "retired";
    action = "retire";
  }
  auto rule =
      [&](store::Transaction& txn,
          ResourceWrite<DataProductTraits>& w) -> absl::StatusOr<DataProduct> {
    const absl::Time now = internal::StoreNow(clock_);
    MP_RETURN_IF_ERROR(ValidateProductKey(key, "name"));
    if (target == model::Lifecycle::kDraft) {
      return InvalidArgumentWithFields(
          {{"lifecycle", "a product cannot be moved back to DRAFT"}});
    }
    MP_ASSIGN_OR_RETURN(DataProduct current,
                        txn.registry().GetDataProduct(key));
    MP_ASSIGN_OR_RETURN(Domain domain, txn.registry().GetDomain(key.domain_id));
    MP_ASSIGN_OR_RETURN(auto chain, DomainChain(txn, domain));
    MP_RETURN_IF_ERROR(
        authz_.CheckProductWrite(ctx.principal, current, chain, action));
    MP_RETURN_IF_ERROR(
        CheckEtag(model::ProductName(key), etag, current.revision));
    absl::Status transition = model::CheckTransition(current.lifecycle, target);
    if (!transition.ok()) {
      return WithReason(
          absl::FailedPreconditionError(absl::StrCat(
              model::ProductName(key), ": ", transition.message())),
          "LIFECYCLE_TRANSITION");
    }
    Violations v;
    CheckSunset(sunset_time, target, now, "sunset_time", v);
    MP_RETURN_IF_ERROR(v.ToStatus());
    DataProduct p = current;
    p.lifecycle = target;
    if (target == model::Lifecycle::kDeprecated) {
      p.sunset_time = sunset_time;
    } else if (target == model::Lifecycle::kPublished) {
      p.sunset_time.reset();  // un-deprecated: no sunset any more
    }
    p.revision = current.revision + 1;
    p.update_time = now;
    const std::string& before_json = w.Before(current);
    MP_RETURN_IF_ERROR(Govern(ctx,
                              ProductSubject("dataproduct.lifecycle", p,
                                             w.After(p), &before_json, chain),
                              w.outcome()));
    MP_RETURN_IF_ERROR(
        StoreWrite(txn.registry().UpdateDataProduct(p, current.revision)));
    w.SetEvent(event);
    return p;
  };
  return WritePipeline(store_, clock_)
      .Update<DataProductTraits>(
          ctx,
          {method, model::ProductName(key),
           absl::StrCat(model::ProductName(key), "\n",
                        model::LifecycleName(target), "\n", etag, "\n",
                        sunset_time ? absl::FormatTime(*sunset_time) : "")},
          rule);
}

absl::StatusOr<Lineage> Registry::GetLineage(const RequestContext& ctx,
                                             const ProductKey& key,
                                             LineageScope scope, int depth) {
  MP_RETURN_IF_ERROR(internal::RequireAuthenticated(ctx));
  MP_RETURN_IF_ERROR(ValidateProductKey(key, "name"));
  if (depth == 0) depth = 1;
  if (depth < 0 || depth > kMaxLineageDepth) {
    return InvalidArgumentWithFields(
        {{"depth", absl::StrCat(depth, " is outside 1..", kMaxLineageDepth)}});
  }
  MP_ASSIGN_OR_RETURN(auto txn, store_.Begin(store::TxnMode::kReadOnly));
  Lineage out;
  MP_ASSIGN_OR_RETURN(DataProduct start, txn->registry().GetDataProduct(key));
  out.nodes.push_back(std::move(start));
  std::set<ProductKey> seen{key};
  auto add_node = [&](const ProductKey& k) -> absl::Status {
    if (!seen.insert(k).second) return absl::OkStatus();
    MP_ASSIGN_OR_RETURN(DataProduct p, txn->registry().GetDataProduct(k));
    out.nodes.push_back(std::move(p));
    return absl::OkStatus();
  };
  if (scope == LineageScope::kUpstream || scope == LineageScope::kBoth) {
    MP_ASSIGN_OR_RETURN(auto edges,
                        txn->registry().Lineage(
                            key, store::LineageDirection::kUpstream, depth));
    for (auto& e : edges) {
      MP_RETURN_IF_ERROR(add_node({e.source.domain_id, e.source.product_id}));
      out.edges.push_back(std::move(e));
    }
  }
  if (scope == LineageScope::kDownstream || scope == LineageScope::kBoth) {
    MP_ASSIGN_OR_RETURN(auto edges,
                        txn->registry().Lineage(
                            key, store::LineageDirection::kDownstream, depth));
    for (auto& e : edges) {
      MP_RETURN_IF_ERROR(add_node(e.consumer));
      out.edges.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace meshplane::core
