// A grammar, schema or pattern that cannot be enforced: refused with the construct named (the server answers 400),
// never dropped silently.
using Meridian.Core;

namespace Meridian.Grammar;

/// <summary>A constraint Meridian cannot enforce, or one that is malformed; the message names the construct.</summary>
public sealed class GrammarException(string message) : MeridianException(message);
