// The pipeline JSON Schema (schemas/pipeline.schema.json), compiled into the binary.
#pragma once

#include <string_view>

namespace mlops {

std::string_view embedded_pipeline_schema();

}  // namespace mlops
