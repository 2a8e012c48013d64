#include "model/exposition.h"

namespace rse {

const RenderedPart& RenderMemo::Get(int slot, const std::function<RenderedPart()>& make) {
  std::call_once(once_[slot], [&] { parts_[slot] = make(); });
  return parts_[slot];
}

std::vector<MetricFamily> Exposition::Flatten() const {
  std::vector<MetricFamily> out;
  for (const FamilyBlock& block : blocks)
    out.insert(out.end(), block.families->begin(), block.families->end());
  out.insert(out.end(), families.begin(), families.end());
  return out;
}

}  // namespace rse
