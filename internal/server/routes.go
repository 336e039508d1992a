package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/recommend"
	"github.com/moviegenie/genie/internal/store"
)

// MovieID is a movie id in a path.
type MovieID struct {
	ID int32 `path:"id" minimum:"1" maximum:"2147483647" doc:"MovieLens movie id"`
}

// UserID is a user id in a path.
type UserID struct {
	ID int32 `path:"id" minimum:"1" maximum:"2147483647" doc:"MovieLens user id"`
}

// Page bounds a listing.
type Page struct {
	Offset int `query:"offset" minimum:"0" maximum:"1000000" default:"0"`
	Limit  int `query:"limit" minimum:"1" maximum:"100" default:"20"`
}

// Rec is one recommended movie with the reason it was chosen.
type Rec struct {
	Movie store.Movie `json:"movie"`
	Score float32     `json:"score"`
	// Because is the movie of the user's history most similar to this one.
	Because *store.Movie `json:"because,omitempty"`
}

// RecList is a list of recommendations and what produced it.
type RecList struct {
	Model   string `json:"model" doc:"the model that produced the list"`
	Version string `json:"version" doc:"the model version"`
	Items   []Rec  `json:"items"`
}

type body[T any] struct {
	Body T
}

func (s *Server) routes() {
	api := s.api
	huma.Register(api, huma.Operation{OperationID: "get-movie", Method: http.MethodGet, Path: "/api/movies/{id}", Summary: "A movie with its genres, year and rating statistics", Tags: []string{"movies"}},
		func(ctx context.Context, in *MovieID) (*body[store.Movie], error) {
			m, err := timeDB(s, "movie", func() (store.Movie, error) { return s.store.Movie(ctx, in.ID) })
			if err != nil {
				return nil, storeError(err, "movie")
			}
			return &body[store.Movie]{m}, nil
		})

	type listIn struct {
		Genre   string `query:"genre" maxLength:"100" doc:"exact genre name"`
		YearMin int32  `query:"year_min" minimum:"0" maximum:"3000"`
		YearMax int32  `query:"year_max" minimum:"0" maximum:"3000"`
		Prefix  string `query:"prefix" maxLength:"200" doc:"title prefix"`
		Sort    string `query:"sort" enum:"id,title,year,popular" default:"popular"`
		Page
	}
	huma.Register(api, huma.Operation{OperationID: "list-movies", Method: http.MethodGet, Path: "/api/movies", Summary: "Browse the catalogue with filters and pagination", Tags: []string{"movies"}},
		func(ctx context.Context, in *listIn) (*body[store.MoviePage], error) {
			q := store.MovieQuery{Genre: in.Genre, YearMin: in.YearMin, YearMax: in.YearMax, Prefix: in.Prefix, Sort: store.MovieSort(in.Sort), Offset: in.Offset, Limit: in.Limit}
			p, err := timeDB(s, "list_movies", func() (store.MoviePage, error) { return s.store.ListMovies(ctx, q) })
			if err != nil {
				return nil, storeError(err, "movies")
			}
			return &body[store.MoviePage]{p}, nil
		})

	type popularIn struct {
		Genre string `query:"genre" maxLength:"100"`
		Limit int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
	}
	huma.Register(api, huma.Operation{OperationID: "popular-movies", Method: http.MethodGet, Path: "/api/popular", Summary: "The most-rated movies, optionally of one genre", Tags: []string{"movies"}},
		func(ctx context.Context, in *popularIn) (*body[RecList], error) {
			ms, err := timeDB(s, "popular", func() ([]store.Movie, error) { return s.store.PopularMovies(ctx, in.Genre, in.Limit) })
			if err != nil {
				return nil, storeError(err, "movies")
			}
			out := RecList{Model: "popularity", Version: "catalogue", Items: make([]Rec, 0, len(ms))}
			for i, m := range ms {
				out.Items = append(out.Items, Rec{Movie: m, Score: float32(m.RatingCount) / float32(max(1, ms[0].RatingCount)) * float32(len(ms)-i) / float32(len(ms))})
			}
			return &body[RecList]{out}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "genres", Method: http.MethodGet, Path: "/api/genres", Summary: "Every genre with its number of movies", Tags: []string{"movies"}},
		func(ctx context.Context, _ *struct{}) (*body[[]store.GenreCount], error) {
			g, err := timeDB(s, "genres", func() ([]store.GenreCount, error) { return s.store.Genres(ctx) })
			if err != nil {
				return nil, storeError(err, "genres")
			}
			return &body[[]store.GenreCount]{g}, nil
		})

	type similarIn struct {
		MovieID
		K int `query:"k" minimum:"1" maximum:"100" default:"10"`
	}
	huma.Register(api, huma.Operation{OperationID: "similar-movies", Method: http.MethodGet, Path: "/api/movies/{id}/similar", Summary: "Movies like this one (item-item similarity over co-rating users)", Tags: []string{"recommendations"}},
		func(ctx context.Context, in *similarIn) (*body[RecList], error) {
			if _, err := s.movie(ctx, in.ID); err != nil {
				return nil, err
			}
			m := s.models.Load()
			start := time.Now()
			recs := m.Engine.Similar(in.ID, in.K, nil)
			s.inference.WithLabelValues(m.Engine.SimilarModel, "similar").Observe(time.Since(start).Seconds())
			list, err := s.recList(ctx, m.Engine.SimilarModel, m.Engine.Version, recs, nil)
			return &body[RecList]{list}, err
		})

	type usersIn struct {
		Page
		Sample int    `query:"sample" minimum:"0" maximum:"100" default:"0" doc:"return this many pseudo-random users instead of a page"`
		Seed   uint64 `query:"seed" default:"1"`
	}
	type usersOut struct {
		Users []int32 `json:"users"`
		Total int     `json:"total"`
	}
	huma.Register(api, huma.Operation{OperationID: "list-users", Method: http.MethodGet, Path: "/api/users", Summary: "User ids, a page or a sample", Tags: []string{"users"}},
		func(ctx context.Context, in *usersIn) (*body[usersOut], error) {
			if in.Sample > 0 {
				ids, err := s.store.SampleUsers(ctx, in.Sample, in.Seed)
				if err != nil {
					return nil, storeError(err, "users")
				}
				return &body[usersOut]{usersOut{Users: ids, Total: len(ids)}}, nil
			}
			ids, total, err := s.store.UserIDs(ctx, in.Offset, in.Limit)
			if err != nil {
				return nil, storeError(err, "users")
			}
			return &body[usersOut]{usersOut{Users: ids, Total: total}}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "user-profile", Method: http.MethodGet, Path: "/api/users/{id}", Summary: "A user's profile: demographics, statistics, top genres", Tags: []string{"users"}},
		func(ctx context.Context, in *UserID) (*body[store.Profile], error) {
			p, err := timeDB(s, "profile", func() (store.Profile, error) { return s.store.UserProfile(ctx, in.ID, 5) })
			if err != nil {
				return nil, storeError(err, "user")
			}
			return &body[store.Profile]{p}, nil
		})

	type historyIn struct {
		UserID
		Page
	}
	huma.Register(api, huma.Operation{OperationID: "user-history", Method: http.MethodGet, Path: "/api/users/{id}/history", Summary: "A user's interactions, newest first", Tags: []string{"users"}},
		func(ctx context.Context, in *historyIn) (*body[store.HistoryPage], error) {
			p, err := timeDB(s, "history", func() (store.HistoryPage, error) { return s.store.History(ctx, in.ID, in.Offset, in.Limit) })
			if err != nil {
				return nil, storeError(err, "user")
			}
			return &body[store.HistoryPage]{p}, nil
		})

	type recIn struct {
		UserID
		K int `query:"k" minimum:"1" maximum:"100" default:"10"`
	}
	huma.Register(api, huma.Operation{OperationID: "recommendations", Method: http.MethodGet, Path: "/api/users/{id}/recommendations", Summary: "Personalized recommendations from the user's current history", Tags: []string{"recommendations"}},
		func(ctx context.Context, in *recIn) (*body[RecList], error) {
			list, err := s.recommendFor(ctx, in.ID, in.K, nil)
			return &body[RecList]{list}, err
		})

	type becauseOut struct {
		Because *store.Movie `json:"because"`
		RecList
	}
	huma.Register(api, huma.Operation{OperationID: "because-you-watched", Method: http.MethodGet, Path: "/api/users/{id}/because", Summary: "Movies like the one the user liked most recently", Tags: []string{"recommendations"}},
		func(ctx context.Context, in *recIn) (*body[becauseOut], error) {
			h, err := s.history(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			hist, dislikes := h.kept, h.dislikes
			seed := lastLiked(hist)
			m := s.models.Load()
			out := becauseOut{RecList: RecList{Model: m.Engine.SimilarModel, Version: m.Engine.Version, Items: []Rec{}}}
			if seed == nil {
				return &body[becauseOut]{out}, nil
			}
			exclude := map[int32]bool{}
			for _, h := range hist {
				exclude[h.MovieID] = true
			}
			for id := range dislikes {
				exclude[id] = true
			}
			recs := m.Engine.Similar(seed.MovieID, in.K, exclude)
			list, err := s.recList(ctx, m.Engine.SimilarModel, m.Engine.Version, recs, nil)
			if err != nil {
				return nil, err
			}
			mv, err := s.movie(ctx, seed.MovieID)
			if err != nil {
				return nil, err
			}
			out.Because, out.RecList = &mv, list
			return &body[becauseOut]{out}, nil
		})

	type feedbackIn struct {
		Body struct {
			UserID  int32      `json:"user_id" minimum:"1" maximum:"2147483647"`
			MovieID int32      `json:"movie_id" minimum:"1" maximum:"2147483647"`
			Kind    store.Kind `json:"kind" enum:"rating,like,dislike,watched"`
			Rating  float32    `json:"rating,omitempty" minimum:"0.5" maximum:"5" multipleOf:"0.5" doc:"stars (0.5-5 in half stars), for kind rating only"`
		}
	}
	huma.Register(api, huma.Operation{OperationID: "feedback", Method: http.MethodPost, Path: "/api/feedback", Summary: "Record a rating, like, dislike or watched event (durable before the answer)", Tags: []string{"users"}, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes},
		func(ctx context.Context, in *feedbackIn) (*body[store.Interaction], error) {
			f := store.Feedback{UserID: in.Body.UserID, MovieID: in.Body.MovieID, Kind: in.Body.Kind, Value: in.Body.Rating}
			switch {
			case f.Kind == store.KindRating && f.Value == 0:
				return nil, huma.Error422UnprocessableEntity("validation failed", &huma.ErrorDetail{Location: "body.rating", Message: "expected stars (0.5-5) for kind rating"})
			case f.Kind != store.KindRating && f.Value != 0:
				return nil, huma.Error422UnprocessableEntity("validation failed", &huma.ErrorDetail{Location: "body.rating", Message: "expected no rating for kind " + string(f.Kind), Value: f.Value})
			}
			if err := f.Validate(); err != nil {
				return nil, huma.Error422UnprocessableEntity(err.Error())
			}
			it, err := timeDB(s, "feedback", func() (store.Interaction, error) { return s.store.AddFeedback(ctx, f) })
			if errors.Is(err, store.ErrNotFound) {
				// Say which of the two is missing.
				if known, kerr := s.knownMovies(ctx, []int32{f.MovieID}); kerr == nil && !known[f.MovieID] {
					return nil, huma.Error404NotFound(fmt.Sprintf("movie %d not found", f.MovieID), &huma.ErrorDetail{Location: "body.movie_id", Value: f.MovieID})
				}
				return nil, huma.Error404NotFound(fmt.Sprintf("user %d not found", f.UserID), &huma.ErrorDetail{Location: "body.user_id", Value: f.UserID})
			}
			if err != nil {
				return nil, storeError(err, "user or movie")
			}
			return &body[store.Interaction]{it}, nil
		})

	type newUserIn struct {
		Body struct {
			Age        *int32  `json:"age,omitempty" minimum:"1" maximum:"120"`
			Gender     *string `json:"gender,omitempty" enum:"M,F"`
			Occupation *string `json:"occupation,omitempty" maxLength:"100"`
			Ratings    []struct {
				MovieID int32   `json:"movie_id" minimum:"1" maximum:"2147483647"`
				Rating  float32 `json:"rating" minimum:"0.5" maximum:"5" multipleOf:"0.5" doc:"stars (0.5-5 in half stars)"`
			} `json:"ratings" maxItems:"200"`
		}
	}
	type newUserOut struct {
		User            store.User `json:"user"`
		Recommendations RecList    `json:"recommendations"`
	}
	huma.Register(api, huma.Operation{OperationID: "create-user", Method: http.MethodPost, Path: "/api/users", Summary: "Create a user from a few ratings and get recommendations at once", Tags: []string{"users"}, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes},
		func(ctx context.Context, in *newUserIn) (*body[newUserOut], error) {
			nu := store.NewUser{Age: in.Body.Age, Gender: in.Body.Gender, Occupation: in.Body.Occupation}
			ids := make([]int32, len(in.Body.Ratings))
			for i, r := range in.Body.Ratings {
				ids[i] = r.MovieID
				nu.Feedback = append(nu.Feedback, store.Feedback{MovieID: r.MovieID, Kind: store.KindRating, Value: r.Rating})
			}
			if err := s.checkRatedMovies(ctx, ids); err != nil {
				return nil, err
			}
			u, _, err := s.store.CreateUser(ctx, nu)
			if err != nil {
				return nil, storeError(err, "movie")
			}
			demo := twotower.Demographic{Age: u.Age, Gender: u.Gender, Occupation: u.Occupation}
			list, err := s.recommendFor(ctx, u.ID, 10, &demo)
			if err != nil {
				return nil, err
			}
			return &body[newUserOut]{newUserOut{User: u, Recommendations: list}}, nil
		})

	type searchIn struct {
		Q      string `query:"q" maxLength:"500" doc:"what to look for: a title, a mood, an era, 'like <title>'"`
		K      int    `query:"k" minimum:"1" maximum:"100" default:"20"`
		UserID int32  `query:"user_id" minimum:"0" maximum:"2147483647" doc:"personalise the ranking for this user"`
	}
	huma.Register(api, huma.Operation{OperationID: "search", Method: http.MethodGet, Path: "/api/search", Summary: "Search movies by title, genre, era, theme or 'like <title>'", Tags: []string{"search"}},
		func(ctx context.Context, in *searchIn) (*body[json.RawMessage], error) {
			if s.search == nil {
				return nil, huma.Error503ServiceUnavailable("search index not loaded: run genie repro setup_semantic_search")
			}
			var personal map[int32]float32
			if in.UserID > 0 {
				h, err := s.history(ctx, in.UserID)
				if err != nil {
					return nil, err
				}
				m := s.models.Load()
				recs := m.Engine.Recommend(h.ids, 200, h.dislikes) // disliked movies get no boost
				personal = make(map[int32]float32, len(recs))
				for _, r := range recs {
					personal[r.MovieID] = r.Score
				}
			}
			res, err := s.search.Search(ctx, in.Q, in.K, personal)
			if err != nil {
				// Nothing the client sent can make the search fail: the
				// query is parsed, never rejected.
				if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
					return nil, huma.Error503ServiceUnavailable("search cancelled or timed out")
				}
				s.log.Error("search", "query", in.Q, "err", err)
				return nil, huma.Error500InternalServerError("search failed (logged on the server)")
			}
			b, err := json.Marshal(res)
			if err != nil {
				return nil, huma.Error500InternalServerError("encode results", err)
			}
			raw := json.RawMessage(b)
			return &body[json.RawMessage]{raw}, nil
		})

	type modelsOut struct {
		Serving   map[string]string          `json:"serving"`
		Metrics   json.RawMessage            `json:"metrics"`
		Histories map[string]json.RawMessage `json:"histories"`
	}
	huma.Register(api, huma.Operation{OperationID: "models", Method: http.MethodGet, Path: "/api/models", Summary: "Evaluation metrics and training histories of every model", Tags: []string{"models"}},
		func(ctx context.Context, _ *struct{}) (*body[modelsOut], error) {
			m := s.models.Load()
			out := modelsOut{Metrics: m.Metrics, Histories: m.Histories, Serving: map[string]string{
				"recommendations": m.Engine.Model, "similar": m.Engine.SimilarModel, "version": m.Engine.Version,
				"trained": m.Engine.Trained.Format(time.RFC3339),
			}}
			if b, ok := m.Engine.Blend(); ok {
				out.Serving["two_tower"] = m.Engine.TwoTowerVersion
				out.Serving["two_tower_blend"] = b.String()
			}
			if out.Metrics == nil {
				out.Metrics = json.RawMessage("null")
			}
			return &body[modelsOut]{out}, nil
		})
}

// movie returns one movie's details through the cache, or a 404 problem.
func (s *Server) movie(ctx context.Context, id int32) (store.Movie, error) {
	ms, err := timeDB(s, "movies", func() ([]store.Movie, error) { return s.cache.movies(ctx, s.store, []int32{id}) })
	if err != nil {
		return store.Movie{}, storeError(err, "movie")
	}
	if len(ms) == 0 {
		return store.Movie{}, storeError(fmt.Errorf("movie %d: %w", id, store.ErrNotFound), "movie")
	}
	return ms[0], nil
}

// knownMovies reports which of ids are in the catalogue.
func (s *Server) knownMovies(ctx context.Context, ids []int32) (map[int32]bool, error) {
	ms, err := timeDB(s, "movies", func() ([]store.Movie, error) { return s.cache.movies(ctx, s.store, ids) })
	if err != nil {
		return nil, storeError(err, "movies")
	}
	known := make(map[int32]bool, len(ms))
	for _, m := range ms {
		known[m.ID] = true
	}
	return known, nil
}

// checkRatedMovies answers 422, naming each offending body.ratings[i], when
// a new user's ratings repeat a movie or name one not in the catalogue.
func (s *Server) checkRatedMovies(ctx context.Context, ids []int32) error {
	known, err := s.knownMovies(ctx, ids)
	if err != nil {
		return err
	}
	first := make(map[int32]int, len(ids))
	var details []error
	for i, id := range ids {
		loc := fmt.Sprintf("body.ratings[%d].movie_id", i)
		if j, dup := first[id]; dup {
			details = append(details, &huma.ErrorDetail{Location: loc, Message: fmt.Sprintf("expected each movie once (also at ratings[%d])", j), Value: id})
			continue
		}
		first[id] = i
		if !known[id] {
			details = append(details, &huma.ErrorDetail{Location: loc, Message: "expected a movie of the catalogue", Value: id})
		}
	}
	if len(details) > 0 {
		return huma.Error422UnprocessableEntity("validation failed", details...)
	}
	return nil
}

// history returns the user's interactions (userHistory: all, without
// dislikes, the dislikes, the movies), from the cache while unchanged.
func (s *Server) history(ctx context.Context, user int32) (*userHistory, error) {
	h, err := timeDB(s, "sequence", func() (*userHistory, error) { return s.cache.sequence(ctx, s.store, user) })
	if err != nil {
		return nil, storeError(err, "user")
	}
	return h, nil
}

// movieIDs lists the movies of hist (oldest first) once each, at their
// latest interaction: a movie rated again today is the user's most recent
// signal, and sequential models read the end of the list.
func movieIDs(hist []store.Interaction) []int32 {
	last := make(map[int32]int, len(hist))
	for i, h := range hist {
		last[h.MovieID] = i
	}
	out := make([]int32, 0, len(last))
	for i, h := range hist {
		if last[h.MovieID] == i {
			out = append(out, h.MovieID)
		}
	}
	return out
}

// lastLiked is the most recent like or rating of 4 stars or more, else the
// most recent interaction that is not a rating under 3 stars (nil: none).
func lastLiked(hist []store.Interaction) *store.Interaction {
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		if h.Kind == store.KindLike || (h.Kind == store.KindRating && h.Value != nil && *h.Value >= 4) {
			return &hist[i]
		}
	}
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		if h.Kind != store.KindRating || h.Value == nil || *h.Value >= 3 {
			return &hist[i]
		}
	}
	return nil
}

// recommendFor answers personalized recommendations for a user from their
// live history: the engine's sequential model, blended with the Two-Tower
// model where the engine's blend says so (demo: the demographics of a user
// being created; nil reads them when needed).
func (s *Server) recommendFor(ctx context.Context, user int32, k int, demo *twotower.Demographic) (RecList, error) {
	memo, _ := ctx.Value(listMemoKey{}).(*listMemo)
	var st listState
	if memo != nil && memo.ok && demo == nil && memo.state.user.ID == user && memo.state.k == k {
		st = memo.state // read by serveList for this request
	} else {
		var err error
		if st, err = s.listState(ctx, user, k, demo); err != nil {
			return RecList{}, err
		}
		if memo != nil {
			memo.state, memo.ok = st, true
		}
	}
	e, u := st.engine, st.user
	start := time.Now()
	if u.ID > 0 && e.TwoTowerWeight(u) > 0 {
		u.TwoTower = s.cache.twoTowerVector(e, u)
	}
	recs, model := e.RecommendUser(u, k, st.dislikes)
	why := e.Explain(st.because, recs) // never "because you watched" a movie rated under 3 stars
	s.inference.WithLabelValues(model, "recommend").Observe(time.Since(start).Seconds())
	if strings.HasPrefix(model, "popularity") {
		if len(u.History) == 0 {
			model += " (no history yet)"
		} else {
			model += " (no rated movie known to the models)"
		}
	}
	return s.recList(ctx, model, e.Version, recs, why)
}

// recList joins recommendations with the movies' details.
func (s *Server) recList(ctx context.Context, model, version string, recs []recommend.Scored, because []int32) (RecList, error) {
	ids := make([]int32, 0, len(recs)+len(because))
	for _, r := range recs {
		ids = append(ids, r.MovieID)
	}
	for _, b := range because {
		if b != 0 {
			ids = append(ids, b)
		}
	}
	ms, err := timeDB(s, "movies", func() ([]store.Movie, error) { return s.cache.movies(ctx, s.store, ids) })
	if err != nil {
		return RecList{}, storeError(err, "movies")
	}
	byID := make(map[int32]store.Movie, len(ms))
	for _, m := range ms {
		byID[m.ID] = m
	}
	out := RecList{Model: model, Version: version, Items: []Rec{}}
	for i, r := range recs {
		m, ok := byID[r.MovieID]
		if !ok {
			continue
		}
		rec := Rec{Movie: m, Score: r.Score}
		if i < len(because) && because[i] != 0 {
			if b, ok := byID[because[i]]; ok {
				rec.Because = &b
			}
		}
		out.Items = append(out.Items, rec)
	}
	return out, nil
}
