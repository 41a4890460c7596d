using System.Text.RegularExpressions;

namespace CollabEditor.Core.Merging;

/// <summary>A run of text that is the same as, or differs from, the text it was compared with.</summary>
public sealed record DiffSpan(string Text, bool Changed);

/// <summary>
/// Word-level diff for showing long texts once per side with what changed marked. Pure. Words are
/// matched by a longest common subsequence; whitespace between two changed words counts as changed,
/// so a changed phrase is one span.
/// </summary>
public static partial class WordDiff
{
    // Beyond this many words per side the quadratic table is not worth it: the whole text is marked.
    private const int MaxWords = 3000;

    /// <summary>The text of <paramref name="changed"/> in spans, marked where it differs from <paramref name="original"/>.</summary>
    public static IReadOnlyList<DiffSpan> Compare(string? original, string? changed)
    {
        original ??= string.Empty;
        changed ??= string.Empty;
        if (changed.Length == 0)
        {
            return [];
        }

        var tokens = Tokens().Matches(changed).Select(m => m.Value).ToList();
        var newWords = tokens.Where(t => !IsSpace(t)).ToList();
        var oldWords = Tokens().Matches(original).Select(m => m.Value).Where(t => !IsSpace(t)).ToList();
        var kept = newWords.Count > MaxWords || oldWords.Count > MaxWords
            ? new bool[newWords.Count]
            : Common(oldWords, newWords);

        // Each token's flag: words from the LCS; whitespace changed only between two changed words.
        var flags = new bool[tokens.Count];
        var wordIndex = 0;
        var wordOfToken = new int[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
        {
            wordOfToken[i] = IsSpace(tokens[i]) ? -1 : wordIndex++;
            flags[i] = wordOfToken[i] >= 0 && !kept[wordOfToken[i]];
        }

        for (var i = 1; i < tokens.Count - 1; i++)
        {
            if (wordOfToken[i] < 0)
            {
                flags[i] = flags[i - 1] && flags[i + 1];
            }
        }

        var spans = new List<DiffSpan>();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (spans.Count > 0 && spans[^1].Changed == flags[i])
            {
                spans[^1] = spans[^1] with { Text = spans[^1].Text + tokens[i] };
            }
            else
            {
                spans.Add(new DiffSpan(tokens[i], flags[i]));
            }
        }

        return spans;
    }

    /// <summary>For each word of <paramref name="b"/>: whether it is part of a longest common subsequence with <paramref name="a"/>.</summary>
    private static bool[] Common(List<string> a, List<string> b)
    {
        var lengths = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
        {
            for (var j = b.Count - 1; j >= 0; j--)
            {
                lengths[i, j] = string.Equals(a[i], b[j], StringComparison.Ordinal)
                    ? lengths[i + 1, j + 1] + 1
                    : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        var kept = new bool[b.Count];
        int x = 0, y = 0;
        while (x < a.Count && y < b.Count)
        {
            if (string.Equals(a[x], b[y], StringComparison.Ordinal))
            {
                kept[y] = true;
                x++;
                y++;
            }
            else if (lengths[x + 1, y] >= lengths[x, y + 1])
            {
                x++;
            }
            else
            {
                y++;
            }
        }

        return kept;
    }

    private static bool IsSpace(string token) => char.IsWhiteSpace(token[0]);

    [GeneratedRegex(@"\s+|\S+")]
    private static partial Regex Tokens();
}
