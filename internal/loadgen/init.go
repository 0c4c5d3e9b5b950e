package loadgen

import (
	"encoding/json"
)

// checkInit tells a successful initialize answer from a failed one.
func checkInit(raw []byte) *failure {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		return &failure{ClassAnswer, err.Error() + ": " + truncate(raw, 200)}
	}
	if m.Error != nil {
		return &failure{classRPC(m.Error.Code), m.Error.Message}
	}
	if m.Result == nil {
		return &failure{ClassAnswer, "no result: " + truncate(raw, 200)}
	}
	return nil
}

// negotiated is the protocol revision the server chose, which later
// requests name in their Mcp-Protocol-Version header.
func negotiated(raw []byte, asked string) string {
	var m struct {
		Result struct {
			ProtocolVersion string `json:"protocolVersion"`
		} `json:"result"`
	}
	if json.Unmarshal(raw, &m) == nil && m.Result.ProtocolVersion != "" {
		return m.Result.ProtocolVersion
	}
	return asked
}
