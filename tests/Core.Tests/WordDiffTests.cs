using CollabEditor.Core.Merging;

namespace CollabEditor.Core.Tests;

public sealed class WordDiffTests
{
    private static string Marked(string original, string changed) =>
        string.Concat(WordDiff.Compare(original, changed).Select(s => s.Changed ? $"[{s.Text}]" : s.Text));

    [Fact]
    public void Compare_MarksAChangedWord_AndKeepsTheRestAsItIs() =>
        Assert.Equal("A solid [walnut] desk with two drawers.", Marked("A solid oak desk with two drawers.", "A solid walnut desk with two drawers."));

    [Fact]
    public void Compare_MarksAnInsertedPhraseAsOneSpan() =>
        Assert.Equal("A desk [with two drawers] for the office.", Marked("A desk for the office.", "A desk with two drawers for the office."));

    [Fact]
    public void Compare_OfEqualTexts_MarksNothing() =>
        Assert.DoesNotContain(WordDiff.Compare("Same  text\nhere.", "Same  text\nhere."), s => s.Changed);

    [Fact]
    public void Compare_KeepsWhitespaceAndLineBreaksOfTheChangedText() =>
        Assert.Equal("Line one.\n[Line two.]", Marked("Line one.", "Line one.\nLine two."));

    [Fact]
    public void Compare_OfAnEmptyText_IsEmpty_AndAgainstAnEmptyOriginal_IsAllChanged()
    {
        Assert.Empty(WordDiff.Compare("Something", ""));
        Assert.Equal("[All new]", Marked("", "All new"));
    }
}
