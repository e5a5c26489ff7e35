// proto <-> core for service levels: observations, compliance status,
// breaches.
#ifndef MESHPLANE_SERVER_SLO_CODEC_H_
#define MESHPLANE_SERVER_SLO_CODEC_H_

#include <vector>

#include "absl/status/statusor.h"

#include "meshplane/core/slo.h"
#include "meshplane/model/slo.h"
#include "meshplane/v1/slo.pb.h"

namespace meshplane::server {

v1::Objective EncodeObjective(model::Objective o);
model::Objective DecodeObjective(v1::Objective o);

// The observations of a request; names and objectives are checked by core
// (which names the fields), so only malformed timestamps and durations fail
// here: INVALID_ARGUMENT naming `observations[i].<field>`, every one at
// once. An unset observe_time is left to core (the server's clock).
absl::StatusOr<std::vector<core::ObservationReport>> DecodeObservations(
    const v1::ReportObservationsRequest& request);

v1::Breach EncodeBreach(const model::Breach& b);
v1::ReportObservationsResponse EncodeReportResult(const core::ReportResult& r);
v1::ServiceLevelStatus EncodeServiceLevelStatus(
    const core::ServiceLevelStatus& s);

}  // namespace meshplane::server

#endif  // MESHPLANE_SERVER_SLO_CODEC_H_
