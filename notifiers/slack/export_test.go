package slack

// RefreshBoards runs one round of RunBoards, for tests that move a fake
// clock between rounds.
var RefreshBoards = (*Bot).refreshBoards
