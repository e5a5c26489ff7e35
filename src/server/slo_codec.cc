#include "server/slo_codec.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/common_codec.h"

#include "meshplane/common/status_macros.h"

namespace meshplane::server {

v1::Objective EncodeObjective(model::Objective o) {
  switch (o) {
    case model::Objective::kFreshness:
      return v1::OBJECTIVE_FRESHNESS;
    case model::Objective::kAvailability:
      return v1::OBJECTIVE_AVAILABILITY;
    case model::Objective::kCompleteness:
      return v1::OBJECTIVE_COMPLETENESS;
    case model::Objective::kLatency:
      return v1::OBJECTIVE_LATENCY;
    case model::Objective::kUnspecified:
      break;
  }
  return v1::OBJECTIVE_UNSPECIFIED;
}

model::Objective DecodeObjective(v1::Objective o) {
  switch (o) {
    case v1::OBJECTIVE_FRESHNESS:
      return model::Objective::kFreshness;
    case v1::OBJECTIVE_AVAILABILITY:
      return model::Objective::kAvailability;
    case v1::OBJECTIVE_COMPLETENESS:
      return model::Objective::kCompleteness;
    case v1::OBJECTIVE_LATENCY:
      return model::Objective::kLatency;
    default:
      break;
  }
  return model::Objective::kUnspecified;
}

absl::StatusOr<std::vector<core::ObservationReport>> DecodeObservations(
    const v1::ReportObservationsRequest& request) {
  Violations v;
  std::vector<core::ObservationReport> out;
  out.reserve(request.observations_size());
  for (int i = 0; i < request.observations_size(); ++i) {
    const v1::Observation& o = request.observations(i);
    const std::string at = absl::StrCat("observations[", i, "].");
    core::ObservationReport r;
    r.output_port = o.output_port();
    r.objective = DecodeObjective(o.objective());
    if (o.has_observe_time()) {
      r.observe_time = DecodeTime(o.observe_time(), at + "observe_time", v);
    }
    r.staleness = DecodeDuration(o.staleness(), at + "staleness", v);
    r.available = o.available();
    r.completeness_percent = o.completeness_percent();
    r.latency = DecodeDuration(o.latency(), at + "latency", v);
    out.push_back(std::move(r));
  }
  MP_RETURN_IF_ERROR(v.ToStatus());
  return out;
}

v1::Breach EncodeBreach(const model::Breach& b) {
  v1::Breach out;
  out.set_name(model::BreachName(b));
  out.set_output_port(model::OutputPortName(b.port));
  out.set_objective(EncodeObjective(b.objective));
  EncodeTime(b.start_time, out.mutable_start_time());
  if (!b.open()) EncodeTime(b.end_time, out.mutable_end_time());
  out.set_detail(b.detail);
  return out;
}

v1::ReportObservationsResponse EncodeReportResult(const core::ReportResult& r) {
  v1::ReportObservationsResponse out;
  out.set_recorded(r.recorded);
  for (const auto& b : r.opened) *out.add_opened() = EncodeBreach(b);
  for (const auto& b : r.closed) *out.add_closed() = EncodeBreach(b);
  return out;
}

v1::ServiceLevelStatus EncodeServiceLevelStatus(
    const core::ServiceLevelStatus& s) {
  v1::ServiceLevelStatus out;
  out.set_output_port(model::OutputPortName(s.port));
  for (const core::ObjectiveStatus& o : s.objectives) {
    v1::ObjectiveStatus* e = out.add_objectives();
    e->set_objective(EncodeObjective(o.target.objective));
    e->set_target(o.target_text);
    for (const core::WindowCompliance& w : o.windows) {
      v1::WindowCompliance* c = e->add_windows();
      EncodeDuration(w.window, c->mutable_window());
      c->set_observations(w.observations);
      c->set_good(w.good);
      c->set_compliance_percent(w.compliance_percent);
      c->set_met(w.met);
    }
    e->set_breached(o.breached);
    if (o.last_observe_time) {
      EncodeTime(*o.last_observe_time, e->mutable_last_observe_time());
    }
  }
  return out;
}

}  // namespace meshplane::server
