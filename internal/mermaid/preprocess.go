package mermaid

import "bytes"

// StyleSemicolon returns the offset in line of the ';' that Mermaid's
// encodeEntities clean-up removes, or -1: the replacements
// /style.*:\S*#.*;/g and /classDef.*:\S*#.*;/g drop the last character of
// their match, for kw "style" and "classDef". line holds no line
// terminator ('.' does not match one).
func StyleSemicolon(line []byte, kw string) int {
	s := bytes.Index(line, []byte(kw))
	if s < 0 {
		return -1
	}
	semi := bytes.LastIndexByte(line, ';')
	// a ':' at c >= s+len(kw), then a run of non-spaces to a '#' before semi
	for c := s + len(kw); c < semi; c++ {
		if line[c] != ':' {
			continue
		}
		for h := c + 1; h < semi; h++ {
			if line[h] == '#' {
				return semi
			}
			if Space(line, h) > 0 {
				break
			}
		}
	}
	return -1
}
