package ormrt

import "google.golang.org/protobuf/proto"

// DirectFields lists the fields that the conversions of model m and
// message x read and write in place, in the model's order.
func DirectFields(x proto.Message, m any) ([]string, error) {
	p, _, _, err := convPlanFor(x, m)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range p.fields {
		if f.direct {
			out = append(out, string(f.fd.Name()))
		}
	}
	return out, nil
}

// DecodeStringList and DecodeStringMap decode JSON columns of string
// lists and maps.
var (
	DecodeStringList = decodeStringList
	DecodeStringMap  = decodeStringMap
)
