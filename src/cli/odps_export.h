// `meshplane product get -o odps`: a data product as an Open Data Product
// Standard (ODPS) document. A product applied from ODPS keeps the document
// as written (DataProduct.odps_document); while that document still
// describes the product it is printed byte for byte, otherwise an ODPS
// v1.1.0 document is generated from the product. docs/descriptors.md has
// the mapping, field by field.
//
//   if (OdpsDocumentCurrent(p)) { out << p.odps_document(); }
//   else { OdpsExport e = ExportOdps(p, contracts); out << e.text; }
#ifndef MESHPLANE_CLI_ODPS_EXPORT_H_
#define MESHPLANE_CLI_ODPS_EXPORT_H_

#include <map>
#include <string>
#include <vector>

#include "meshplane/v1/data_product.pb.h"

namespace meshplane::cli {

// Whether `product.odps_document()` still describes `product`: read as
// `apply` reads it (with the product's own domain and owner team as the
// defaults), it sets the product's name and every field of the ODPS update
// mask to what the product has now, its status is the product's lifecycle,
// and each of the product's input ports is one of its input ports. False
// for an empty or unreadable document.
bool OdpsDocumentCurrent(const meshplane::v1::DataProduct& product);

struct OdpsExport {
  std::string text;  // an ODPS v1.1.0 YAML document, ending in a newline
  // What the document cannot carry, as paths of the Meshplane descriptor
  // (docs/descriptors.md): "spec.tier", "spec.outputPorts[0].server", ...
  std::vector<std::string> dropped;
};

// Generates an ODPS v1.1.0 document from `product`. `source_contracts` maps
// an output port name (an input port's source) to the ODCS contract id that
// port promises, which is how ODPS names what an input port reads; an input
// port whose source has none is left out (and listed in `dropped`). When
// the product has a stored document that no longer describes it, the
// fields of that document Meshplane does not model (support, team members,
// custom properties, SBOMs, context, ...) are carried over, the top-level
// ones and those of each port that keeps its id.
OdpsExport ExportOdps(
    const meshplane::v1::DataProduct& product,
    const std::map<std::string, std::string>& source_contracts);

}  // namespace meshplane::cli

#endif  // MESHPLANE_CLI_ODPS_EXPORT_H_
