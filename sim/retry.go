package sim

import (
	"strconv"
	"time"
)

// Retries, outside in: the deadline bounds all attempts together; the
// attempts (the first try included) run inside it, with backoff,
// multiplier, jitter and max between them; the timeout bounds each one.
// attempts runs an exchange's attempts; compensate a compensation's.

// backoff is the wait before retry n (1-based) of a policy, jitter applied.
func backoff(r *Retry, n int, u float64) time.Duration {
	b := float64(r.Backoff)
	m := r.Multiplier
	if m <= 0 {
		m = 2
	}
	for i := 1; i < n; i++ {
		b *= m
	}
	if r.Max > 0 && b > float64(r.Max) {
		b = float64(r.Max)
	}
	switch r.Jitter {
	case JitterFull:
		b *= u
	case JitterEqual:
		b = b/2 + b/2*u
	}
	return time.Duration(b)
}

// attempts runs an exchange's attempts in frame k (fr: the caller's).
func (x *runner) attempts(n *node, t time.Duration, fr, k int, main bool) (time.Duration, status) {
	mp := &x.pl.msgs[n.msg]
	set := mp.set
	attempts := max(set.Retry.Attempts, 1)
	t0 := t
	cutoff, owner := x.bound(fr)
	dl, dlOwner := cutoff, owner
	if set.Deadline > 0 && t0+set.Deadline < dl {
		dl, dlOwner = t0+set.Deadline, n.ex
	}
	parent := x.parent
	for a := 1; ; a++ {
		start := t
		lim, limOwner := dl, dlOwner
		if set.Timeout > 0 && start+set.Timeout < lim {
			lim, limOwner = start+set.Timeout, n.ex
		}
		si := x.span(SpanExchange, n.msg, n.reply+1, start, parent, a)
		own := never
		if set.Deadline > 0 {
			own = t0 + set.Deadline
		}
		if set.Timeout > 0 {
			own = min(own, start+set.Timeout)
		}
		if k != fr {
			f := &x.frames[k]
			f.own, f.si = own, int32(si)
			f.closed, f.handled, f.replyFail = false, false, false
		}
		lat, fk := x.send(n.msg, start, lim, si, 0, false)
		arrive := start + lat
		if main && mp.human {
			x.human += x.humanOf(lat)
		}
		x.setSpan(si, arrive, arrive, arrive, "")
		failAt, rootFault, root := time.Duration(0), fkNone, n.msg
		switch {
		case fk == fkTimeout && lim < never:
			failAt, rootFault = lim, fkTimeout
		case fk == fkTimeout:
			failAt, rootFault = arrive, fkError // nothing bounds the wait
		case arrive > lim:
			// past the timeout or deadline the caller gives up, whatever
			// the callee would have answered (error and drop included)
			if limOwner != n.ex {
				x.cutOwner = limOwner
				x.endSpan(si, lim, lim, "", true)
				return lim, stCut // an outer timeout: abandoned, not failed
			}
			failAt, rootFault = lim, fkTimeout
			x.statTimedOut(n.msg, fk)
		case fk == fkError || fk == fkDrop:
			failAt, rootFault = arrive, fk
		default:
			x.land(arrive, lim)
			x.parent = si
			end, st := x.seq(n.body, arrive, k, main)
			x.parent = parent
			if k != fr && x.frames[k].closed {
				// a reply in the body ended the exchange: what came
				// after it was the caller's work, and so is what it
				// left (a failure, a cut, a jump); a reply after the
				// body has nothing to close on this path
				if st == stOK && n.reply >= 0 {
					return x.message(n.reply, end, fr, main)
				}
				return end, st
			}
			switch st {
			case stOK:
				leave := end
				if n.reply >= 0 {
					rl, rfk := x.send(n.reply, leave, lim, si, 1, false)
					end += rl
					if main && x.pl.msgs[n.reply].human {
						x.human += x.humanOf(rl)
					}
					switch {
					case end > lim && limOwner != n.ex:
						x.cutOwner = limOwner
						x.endSpan(si, leave, lim, "", true)
						return lim, stCut
					case end > lim:
						failAt, rootFault = lim, fkTimeout
						x.statTimedOut(n.msg, fkNone)
					case rfk == fkError || rfk == fkTimeout || rfk == fkDrop:
						failAt, rootFault, root = end, rfk, n.reply
					default:
						x.land(end, cutoff)
						if x.pl.msgs[n.reply].drawn {
							x.setHandled()
						}
					}
				}
				if rootFault == fkNone {
					x.succeeded(n.ex, si, t0, leave, end, main)
					return end, stOK
				}
			case stCut:
				if x.cutOwner != n.ex {
					x.endSpan(si, end, end, "", true)
					return end, stCut // an outer timeout: abandoned, not failed
				}
				failAt, rootFault = lim, fkTimeout
				x.statTimedOut(n.msg, fkNone)
			case stFail:
				if k != fr && x.frames[k].replyFail {
					// the reply in the body failed: the exchange's own fault
					failAt, rootFault, root = x.fail.at, x.fail.fault, x.fail.root
					break
				}
				// nested work failed: this exchange fails with it
				failAt, rootFault, root = end, x.fail.fault, -1
			default: // stJump, stStop travel on
				x.endSpan(si, end, end, "", false)
				return end, st
			}
		}
		x.endSpan(si, failAt, failAt, faultName(rootFault), false)
		if root < 0 && si >= 0 {
			// not a fault of its own: say where the failure came from
			x.setDetail(si, "cascade from #"+strconv.Itoa(x.fail.root+1)+" ("+faultName(x.fail.fault)+")")
		}
		if a < attempts {
			if next := failAt + backoff(&set.Retry, a, x.r.Float64()); next < dl {
				t = next
				continue
			}
		}
		// out of attempts, or of deadline
		if root >= 0 {
			if h := x.pl.msgs[root].handler[rootFault]; h != nil {
				x.jump, x.jumpFail = h, failure{root: root, fault: rootFault, at: failAt}
				// a bound branch inside the exchange (the reply drawn
				// in each branch) is part of it: pairing is per branch
				return x.resume(n, failAt, fr, k, main, si, t0)
			}
			x.statExchange(n.ex, failAt-t0, true)
			x.fail = failure{root: root, fault: rootFault, at: failAt}
		} else {
			// a cascade from nested work: a branch bound to this
			// exchange's failure handles it ("unless a branch bound to
			// that failure handles it")
			if h := mp.handler[rootFault]; h != nil {
				x.jump, x.jumpFail = h, x.fail
				x.jumpFail.at = failAt
				return x.resume(n, failAt, fr, k, main, si, t0)
			}
			x.statExchange(n.ex, failAt-t0, true)
		}
		if x.fail.nchain < maxChain {
			x.fail.chain[x.fail.nchain] = int16(n.msg + 1)
			x.fail.nchain++
		}
		x.fail.at = failAt
		return failAt, stFail
	}
}

// compensate sends a compensating message with its retries.
func (x *runner) compensate(mi int, t time.Duration) (time.Duration, bool) {
	mp := &x.pl.msgs[mi]
	attempts := max(mp.set.Retry.Attempts, 1)
	for a := 1; a <= attempts; a++ {
		start := t
		si := x.span(SpanCompensation, mi, 0, start, -1, a)
		lim := never
		if mp.set.Timeout > 0 {
			lim = start + mp.set.Timeout
		}
		lat, fk := x.send(mi, start, lim, si, 0, false)
		t += lat
		if fk == fkTimeout && mp.set.Timeout > 0 || t > lim {
			t, fk = lim, fkTimeout
		}
		x.setSpan(si, start+lat, start+lat, t, faultName(fk))
		if fk == fkNone || fk == fkDelay {
			return t, true
		}
		if a < attempts {
			t += backoff(&mp.set.Retry, a, x.r.Float64())
		}
	}
	return t, false
}
