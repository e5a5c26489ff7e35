#include "meshplane/common/clock.h"

namespace meshplane {

Clock& RealClock() {
  static SystemClock* clock = new SystemClock();
  return *clock;
}

}  // namespace meshplane
