package bert4rec_test

import (
	"testing"

	"github.com/moviegenie/genie/internal/model/bert4rec"
	"github.com/moviegenie/genie/internal/model/seqnn/seqnntest"
)

// TestML100K trains the default configuration on ml-100k and reports the
// sequential protocol's test metrics (full ranking, seen items filtered).
func TestML100K(t *testing.T) {
	seqnntest.ML100K(t, bert4rec.DefaultConfig())
}
