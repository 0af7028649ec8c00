// Compares a peer's ids with ours by where each token starts in the text (byte offset, from our vocabulary's
// token bytes), so one word split differently counts once instead of shifting every later position.
using Meridian.Tokenizers;

namespace Meridian.Bench.Tokenize;

/// <param name="Differing">Our tokens that the peer does not produce, with the same id, at the same byte offset.</param>
/// <param name="LengthDifference">Peer token count minus ours.</param>
/// <param name="FirstDifference">Index into our ids of the first differing token, or -1.</param>
internal readonly record struct IdComparison(int Differing, int LengthDifference, int FirstDifference)
{
    public bool Equal => Differing == 0 && LengthDifference == 0;

    public static IdComparison Compare(Tokenizer vocabulary, int[] ours, int[] peer)
    {
        if (ours.AsSpan().SequenceEqual(peer))
            return new(0, 0, -1);
        int differing = 0, first = -1;
        long offOurs = 0, offPeer = 0;
        int i = 0, j = 0;
        while (i < ours.Length && j < peer.Length)
        {
            if (offOurs == offPeer)
            {
                if (ours[i] != peer[j])
                    Mark(i);
                offOurs += ByteLength(vocabulary, ours[i++]);
                offPeer += ByteLength(vocabulary, peer[j++]);
            }
            else if (offOurs < offPeer)
            {
                Mark(i); // the peer has no token starting where this one of ours does
                offOurs += ByteLength(vocabulary, ours[i++]);
            }
            else
            {
                offPeer += ByteLength(vocabulary, peer[j++]);
            }
        }
        for (; i < ours.Length; i++)
            Mark(i);
        return new(differing, peer.Length - ours.Length, first);

        void Mark(int index)
        {
            differing++;
            if (first < 0)
                first = index;
        }
    }

    private static int ByteLength(Tokenizer vocabulary, int id) =>
        (uint)id < (uint)vocabulary.VocabSize ? vocabulary.TokenBytes(id).Length : 0;
}
