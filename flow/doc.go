// Package flow is choreo's model of a Mermaid sequenceDiagram and the flow
// graph built on it: the participants, messages, notes and blocks of a
// [Diagram] (which package parser produces from Mermaid text, and which
// anything else may build by hand), the exchanges that pair requests with
// replies, the caller chain that failures cascade along, and the async
// forks of the timeline. Packages sim and trace both work from it. It uses
// the standard library only.
//
// # Naming messages and blocks
//
// A message is named by its selector, "From->>To: text" ([Message.Selector]),
// or by "#N", its 1-based index in document order; [Diagram.Lookup] accepts
// both and suggests the nearest selectors when a name matches nothing. A
// block is named by its opening line and a branch by its own line, keyword
// and label: "alt subscription ok", "else card declined", "loop poll
// status", "and to US", "option lock busy" ([Block.Key],
// [Diagram.LookupBlock]). A profile's when string is a message and a fault,
// "#3 error" ([Diagram.LookupWhen]).
//
// # Exchanges
//
// [Build] walks the diagram in document order and returns a [Graph]. Each
// message gets a [Role]:
//
//   - A solid, synchronous arrow (->>, ->, <<->>, the solid half arrows)
//     opens a request.
//   - A dotted arrow (-->>, -->, --x, <<-->>, the dotted half arrows) from
//     Y to X closes the innermost open request X->>Y and becomes its reply
//     (--x is a reply that carries an error). A dotted message with no such
//     open request is one-way.
//   - -x is a one-way message that is lost or rejected: it never opens a
//     request.
//   - -) and --) are async, fire-and-forget: never paired.
//   - A request that nothing closes is one-way too ([Exchange.Unanswered]).
//
// Every message but a reply heads an [Exchange]. Its Parent is the
// exchange the sender was serving when it sent the request: the innermost
// open exchange whose callee is the sender. An async exchange counts as
// open while its fork runs, so the work done on a fork has the async
// message as an ancestor; [Exchange.Chain] is the path of a cascade, which
// for work on a fork must stop at the fork's async exchange (a fork never
// fails the main timeline).
//
// # Blocks
//
// Pairing is per branch, and per path. Each branch of a block (alt/else,
// critical/option, par/and, and the single body of loop, opt, break)
// starts from a copy of the open requests at the block's start, so a
// request sent before the block may be answered in each branch. After the
// block, a request stays open on the paths that left it open, and a reply
// after the block closes it there ([Exchange.Replies] then holds both):
// every par branch runs, so a reply in any of them closes it; one branch
// of an alt or critical runs, so it stays open if some branch does not
// answer it; an opt, a loop (which may run 0 times) or a break may be
// skipped, so it stays open after them (a break that runs ends the flow).
// The usual shape — an error reply API--xU in a critical's option, the
// normal API-->>U after the block — pairs both replies with the request.
// At run time only the reply of the path taken closes it; a reply reached
// after the request was answered on the same path is a one-way message.
// A request sent inside
// a branch and not answered by the branch's end stays unanswered (one-way):
// nothing after the block closes it, because the branch may not run, or,
// in a loop, may run many times. rect only colours the diagram: its body
// pairs and forks as part of the enclosing sequence, as if the rect were
// not there (it still appears in [MessageInfo.Path]).
//
// # Forks
//
// After an async message X-)Y the main timeline continues at once; the
// messages that follow it and are sent by a participant the fork has
// reached (Y, then whoever a message on the fork is sent to, transitively)
// run on the fork, until the first message sent by a participant the fork
// has not reached, or the end of the block branch where the fork began.
// [MessageInfo.Fork] is the N of the async message that started the
// message's fork, 0 for the main timeline. Forks nest: an async message
// sent on a fork starts an inner fork, and a message that does not continue
// the inner one may continue the outer one. Beyond the rules above:
//
//   - A reply returns to the timeline of the request it closes: a reply to
//     a request sent before the fork began ends the fork, even when its
//     sender was reached by the fork (Y calling back into X and X then
//     answering its own caller keeps that answer on the main timeline).
//   - A fork running when a block starts continues into each branch. After
//     the block it still runs only if it ran to the end of every branch; it
//     then has reached every participant it reached in any branch.
//   - The sender X of the async message is not reached by the fork unless
//     a message on the fork is sent to it.
//
// # Numbering
//
// Build assumes each message's N is its index in document order, as the
// parser sets it; [Diagram.Renumber] sets it on diagrams built by hand.
package flow
