// proto <-> model for data products: products, their ports and
// objectives, lifecycle and classification, lineage (server/common_codec.h
// has the rules every codec follows). Pure and thread-safe.
#ifndef MESHPLANE_SERVER_DATA_PRODUCT_CODEC_H_
#define MESHPLANE_SERVER_DATA_PRODUCT_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/common_codec.h"

#include "meshplane/core/registry.h"
#include "meshplane/model/data_product.h"
#include "meshplane/model/resource_name.h"
#include "meshplane/model/update_fields.h"
#include "meshplane/v1/data_product.pb.h"

namespace meshplane::server {

// `domains/{domain}/dataProducts/{data_product}` -> the product's key; a
// malformed name is a FieldViolation of `field` (INVALID_ARGUMENT with
// BadRequest details).
absl::StatusOr<model::ProductKey> ProductKeyFromName(absl::string_view field,
                                                     absl::string_view name);

v1::DataProduct EncodeDataProduct(const model::DataProduct& p);
// `name`, when set, gives domain_id and id. LIFECYCLE_UNSPECIFIED decodes
// as DRAFT; unknown enum numbers are violations.
absl::StatusOr<model::DataProduct> DecodeDataProduct(const v1::DataProduct& p,
                                                     absl::string_view prefix);
v1::Lifecycle EncodeLifecycle(model::Lifecycle l);
v1::Classification EncodeClassification(model::Classification c);
void EncodeLineage(const core::Lineage& lineage, v1::GetLineageResponse* out);

// The updatable fields (model/update_fields.h, shared with core).
using model::DataProductUpdatableFields;

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_DATA_PRODUCT_CODEC_H_
