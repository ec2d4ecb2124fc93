package parser_test

import (
	"errors"
	"fmt"

	"github.com/choreo-dev/choreo/parser"
)

func ExampleParse() {
	d, err := parser.Parse("login.mmd", []byte(`sequenceDiagram
    actor U as User
    U->>API: POST /login
    alt ok
        API-->>U: 200 token
    else bad password
        API--xU: 401
    end
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range d.Participants {
		fmt.Println(p.ID, p.Kind, p.Label)
	}
	for _, m := range d.Messages() {
		fmt.Printf("#%d %s (reply to #%d)\n", m.N, m.Selector(), m.ReplyTo)
	}
	// Output:
	// U actor User
	// API participant API
	// #1 U->>API: POST /login (reply to #0)
	// #2 API-->>U: 200 token (reply to #1)
	// #3 API--xU: 401 (reply to #1)
}

func ExampleParse_error() {
	_, err := parser.Parse("bad.mmd", []byte("sequenceDiagram\n    A->>B hello\n"))
	var pe *parser.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Pos.Line, pe.Pos.Col > 0)
	}
	// Output:
	// 2 true
}
